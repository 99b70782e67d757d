import { Contract, ContractFactory, Interface, Wallet, toQuantity, type JsonRpcProvider } from 'ethers';
import { decodeBatchPinned, type RawLog } from './batch-log.js';
import { NativeTextJsonRpcProvider } from './json-rpc-provider.js';
import { loadSequencerArtifact } from './sequencer-artifact.js';
import { describeFailure } from './sequencer-errors.js';
import type { ChainMember, PinnedBatch, PinReceipt, SequencerClientOptions } from './sequencer-types.js';

export { SequencerRevertError } from './sequencer-errors.js';

/** The fee fields of a transaction: EIP-1559 or legacy. */
type FeeFields =
  { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint | undefined };

/** A transaction receipt as the JSON-RPC answers it (quantities in hex). */
interface RawReceipt {
  transactionHash: string;
  blockNumber: string;
  status: string;
  logs: RawLog[];
}
export type { ChainMember, PinnedBatch, PinReceipt, SequencerClientOptions } from './sequencer-types.js';

/** The longest wait between asks for a receipt, in polling intervals (400 ms at the default 50). */
const RECEIPT_POLL_MAX = 8;

/**
 * The static network and disabled cache matter: without them ethers re-checks
 * the chain id before calls and serves block numbers up to 250 ms stale. No
 * batching: ethers holds each call 10 ms to batch it with others, and the
 * calls here mostly go one after another (a pin transaction made five such
 * waits in a row, a ledger read two).
 */
function makeProvider(rpcUrl: string, pollingInterval: number): JsonRpcProvider {
  return new NativeTextJsonRpcProvider(rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval,
    cacheTimeout: -1,
    batchMaxCount: 1,
  });
}

/**
 * Typed access to one deployed Sequencer.
 *
 * Transactions are signed locally (a Wallet, not an unlocked node account),
 * so each one reaches the node as `eth_sendRawTransaction`, the only kind the
 * local chain can journal and replay.
 */
export class SequencerClient {
  readonly address: string;
  readonly account?: string;
  private readonly provider: JsonRpcProvider;
  private readonly iface: Interface;
  private readonly contract: Contract;
  private readonly wallet?: Wallet;
  // Sends from this instance go out one at a time so each takes its nonce
  // after the previous transaction reached the node: nonces never collide.
  private sendQueue: Promise<unknown> = Promise.resolve();
  /** The next nonce, once a send from here has gone through; undefined means ask the chain. */
  private nonce?: number;
  private fees?: { fields: FeeFields; at: number };
  private readonly feeDataMaxAgeMs: number;
  private readonly droppedAfterMs: number;
  private readonly batchPinnedTopic: string;
  /** Checksummed author addresses by their log topic. */
  private readonly authors = new Map<string, string>();

  constructor(opts: SequencerClientOptions) {
    const { abi } = loadSequencerArtifact();
    this.address = opts.address;
    this.provider = makeProvider(opts.rpcUrl, opts.pollingIntervalMs ?? 50);
    this.droppedAfterMs = opts.droppedAfterMs ?? 3_000;
    this.feeDataMaxAgeMs = opts.feeDataMaxAgeMs ?? 5_000;
    this.iface = new Interface(abi);
    this.batchPinnedTopic = this.iface.getEvent('BatchPinned')!.topicHash.toLowerCase();
    this.wallet = opts.privateKey ? new Wallet(opts.privateKey, this.provider) : undefined;
    this.account = this.wallet?.address;
    this.contract = new Contract(opts.address, this.iface, this.wallet ?? this.provider);
  }

  /** Deploys a new Sequencer owned by `ownerKey`'s account; returns its address. */
  static async deploy(rpcUrl: string, ownerKey: string): Promise<string> {
    const { abi, bytecode } = loadSequencerArtifact();
    const provider = makeProvider(rpcUrl, 50);
    try {
      const factory = new ContractFactory(abi, bytecode, new Wallet(ownerKey, provider));
      const contract = await factory.deploy();
      await contract.waitForDeployment();
      return await contract.getAddress();
    } finally {
      provider.destroy();
    }
  }

  async addMember(account: string, name: string, endpoint: string): Promise<void> {
    await this.transact('addMember', [account, name, endpoint]);
  }

  async removeMember(account: string): Promise<void> {
    await this.transact('removeMember', [account]);
  }

  /** Active members in the order they were added (the same at every member). */
  async members(): Promise<ChainMember[]> {
    const [accounts, names, endpoints] = (await this.contract.getFunction('getMembers')()) as [
      string[],
      string[],
      string[],
    ];
    return accounts.map((account, i) => ({
      account,
      name: names[i],
      endpoint: endpoints[i],
    }));
  }

  async isMember(account: string): Promise<boolean> {
    return (await this.contract.getFunction('isMember')(account)) as boolean;
  }

  /** Pins bytes32 hex values; resolves once mined, with the batch's place in the order. */
  async pinBatch(contexts: string[], pins: string[]): Promise<PinReceipt> {
    const { waitedForBlock, ...receipt } = await this.transact('pinBatch', [contexts, pins]);
    const batch = receipt.logs.map((log) => this.toBatch(log)).find((b) => b !== undefined);
    if (!batch) throw new Error(`Sequencer.pinBatch: no BatchPinned event in ${receipt.transactionHash}`);
    return {
      transactionHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      sequence: batch.sequence,
      firstPin: batch.firstPin,
      waitedForBlock,
    };
  }

  async blockNumber(): Promise<number> {
    return await this.provider.getBlockNumber();
  }

  /** BatchPinned events in blocks [fromBlock, toBlock], in chain order. */
  async batchesBetween(fromBlock: number, toBlock: number): Promise<PinnedBatch[]> {
    if (fromBlock > toBlock) return [];
    // Raw logs: ethers' wrapping and decoding of each one cost more than the rest of a rebuild.
    const logs = (await this.provider.send('eth_getLogs', [
      {
        ...this.batchLogFilter(),
        fromBlock: toQuantity(fromBlock),
        toBlock: toQuantity(toBlock),
      },
    ])) as RawLog[];
    return logs
      .map((log) => this.toBatch(log))
      .filter((b): b is PinnedBatch => b !== undefined)
      .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  }

  async chainId(): Promise<number> {
    return Number((await this.provider.getNetwork()).chainId);
  }

  async hasCode(): Promise<boolean> {
    return (await this.provider.getCode(this.address)) !== '0x';
  }

  destroy(): void {
    this.provider.destroy();
  }

  /**
   * Sends one transaction (serialized per instance) and waits for its
   * receipt. The signed bytes go out and the receipt comes back as plain
   * JSON-RPC: ethers' own send recovered the sender's key from the signature
   * it had just made and wrapped every receipt log, the largest chain cost in
   * a worker's profile.
   */
  private async transact(method: string, args: unknown[]): Promise<RawReceipt & { waitedForBlock: boolean }> {
    const wallet = this.wallet;
    if (!wallet) throw new Error(`Sequencer.${method}: this client has no privateKey`);
    const sent = this.sendQueue.then(() => this.sendSigned(wallet, this.iface.encodeFunctionData(method, args)));
    this.sendQueue = sent.catch(() => undefined);
    try {
      const receipt = await this.receipt(await sent);
      if (receipt.status !== '0x1') throw new Error(`transaction ${receipt.transactionHash} reverted`);
      return receipt;
    } catch (err) {
      throw describeFailure(method, err, this.iface);
    }
  }

  /**
   * Signs and sends a call to the Sequencer; resolves to its hash. The gas
   * is estimated each time (a revert is found there, at no cost, with its
   * reason); the nonce and fees are this client's own between sends, which
   * spares four calls a transaction (ethers asks for the nonce, the latest
   * block, the gas price and the priority fee). A send refused with values
   * from the cache (another sender used the account, fees rose) is tried
   * once more with fresh ones.
   */
  private async sendSigned(wallet: Wallet, data: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      // Either value may be stale: the nonce, or fee data kept from an earlier call (even one whose estimate reverted).
      const cached = attempt === 0 && (this.nonce !== undefined || this.fees !== undefined);
      const nonce = this.nonce ?? (await wallet.getNonce('pending'));
      const fees = await this.feeFields();
      const gasLimit = await this.provider.estimateGas({ from: wallet.address, to: this.address, data });
      const { chainId } = await this.provider.getNetwork();
      const signed = await wallet.signTransaction({ to: this.address, data, nonce, gasLimit, chainId, ...fees });
      try {
        const hash = (await this.provider.send('eth_sendRawTransaction', [signed])) as string;
        this.nonce = nonce + 1;
        return hash;
      } catch (err) {
        this.nonce = undefined;
        this.fees = undefined;
        if (!cached) throw err;
      }
    }
  }

  /** EIP-1559 fees where the chain has a base fee, else a gas price; read again when older than `feeDataMaxAgeMs`. */
  private async feeFields(): Promise<FeeFields> {
    if (this.fees && Date.now() - this.fees.at < this.feeDataMaxAgeMs) return this.fees.fields;
    const data = await this.provider.getFeeData();
    const fields: FeeFields =
      data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null
        ? { type: 2, maxFeePerGas: data.maxFeePerGas, maxPriorityFeePerGas: data.maxPriorityFeePerGas }
        : { type: 0, gasPrice: data.gasPrice ?? undefined };
    this.fees = { fields, at: Date.now() };
    return fields;
  }

  /**
   * The receipt of a sent transaction, once it is mined, and whether it had
   * to wait for its block (no receipt at the first ask: the chain did not
   * mine it as it came). It asks again after the polling interval, then
   * twice as long each time up to RECEIPT_POLL_MAX intervals: a transaction
   * that missed the first ask waits for a block that may be seconds away,
   * and the member learns of its block from the heads anyway. About
   * once a second it also asks whether the chain still knows the
   * transaction; unknown for `droppedAfterMs`, it was dropped and the send
   * fails, with the nonce to be asked afresh.
   */
  private async receipt(hash: string): Promise<RawReceipt & { waitedForBlock: boolean }> {
    let lookedAt = Date.now();
    let unknownSince: number | undefined;
    for (let asked = 0; ; asked++) {
      const receipt = (await this.provider.send('eth_getTransactionReceipt', [hash])) as RawReceipt | null;
      if (receipt) return { ...receipt, waitedForBlock: asked > 0 };
      if (Date.now() - lookedAt >= 1_000) {
        lookedAt = Date.now();
        if (await this.provider.send('eth_getTransactionByHash', [hash])) unknownSince = undefined;
        else if (unknownSince === undefined) unknownSince = lookedAt;
        else if (lookedAt - unknownSince >= this.droppedAfterMs) {
          this.nonce = undefined;
          throw new Error(
            `transaction ${hash} was dropped: for ${lookedAt - unknownSince} ms the chain has neither mined it nor held it`,
          );
        }
      }
      const waitMs = this.provider.pollingInterval * Math.min(2 ** asked, RECEIPT_POLL_MAX);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  /** The eth_getLogs / `logs` subscription filter of this Sequencer's BatchPinned logs. */
  batchLogFilter(): { address: string; topics: string[] } {
    return { address: this.address, topics: [this.batchPinnedTopic] };
  }

  /** The batch a raw log records, or undefined for another contract's or event's log, or a removed one. */
  toBatch(log: RawLog): PinnedBatch | undefined {
    if (log.removed || log.address.toLowerCase() !== this.address.toLowerCase()) return undefined;
    if (log.topics[0]?.toLowerCase() !== this.batchPinnedTopic) return undefined;
    return decodeBatchPinned(log, this.authors);
  }
}
