import {
  Contract,
  ContractFactory,
  Interface,
  JsonRpcProvider,
  Wallet,
  toQuantity,
  type ContractTransactionResponse,
  type TransactionReceipt,
} from 'ethers';
import { decodeBatchPinned, type RawLog } from './batch-log.js';
import { loadSequencerArtifact } from './sequencer-artifact.js';
import { describeFailure } from './sequencer-errors.js';
import type { ChainMember, PinnedBatch, PinReceipt, SequencerClientOptions } from './sequencer-types.js';

export { SequencerRevertError } from './sequencer-errors.js';
export type { ChainMember, PinnedBatch, PinReceipt, SequencerClientOptions } from './sequencer-types.js';

/**
 * The static network and disabled cache matter: without them ethers re-checks
 * the chain id before calls and serves block numbers up to 250 ms stale.
 */
function makeProvider(rpcUrl: string, pollingInterval: number): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval,
    cacheTimeout: -1,
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
  // Sends from this instance go out one at a time so each reads the nonce
  // after the previous transaction reached the node: nonces never collide.
  private sendQueue: Promise<unknown> = Promise.resolve();
  private readonly batchPinnedTopic: string;
  /** Checksummed author addresses by their log topic. */
  private readonly authors = new Map<string, string>();

  constructor(opts: SequencerClientOptions) {
    const { abi } = loadSequencerArtifact();
    this.address = opts.address;
    this.provider = makeProvider(opts.rpcUrl, opts.pollingIntervalMs ?? 50);
    this.iface = new Interface(abi);
    this.batchPinnedTopic = this.iface.getEvent('BatchPinned')!.topicHash.toLowerCase();
    const wallet = opts.privateKey ? new Wallet(opts.privateKey, this.provider) : undefined;
    this.account = wallet?.address;
    this.contract = new Contract(opts.address, this.iface, wallet ?? this.provider);
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
    const receipt = await this.transact('pinBatch', [contexts, pins]);
    const batch = receipt.logs.map((log) => this.toBatch(log)).find((b) => b !== undefined);
    if (!batch) throw new Error(`Sequencer.pinBatch: no BatchPinned event in ${receipt.hash}`);
    return {
      transactionHash: receipt.hash,
      blockNumber: receipt.blockNumber,
      sequence: batch.sequence,
      firstPin: batch.firstPin,
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
        address: this.address,
        topics: [this.batchPinnedTopic],
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

  /** Sends one transaction (serialized per instance) and waits for its receipt. */
  private async transact(method: string, args: unknown[]): Promise<TransactionReceipt> {
    if (!this.account) throw new Error(`Sequencer.${method}: this client has no privateKey`);
    const sent = this.sendQueue.then(
      () => this.contract.getFunction(method)(...args) as Promise<ContractTransactionResponse>,
    );
    this.sendQueue = sent.catch(() => undefined);
    try {
      const receipt = await (await sent).wait();
      if (!receipt) throw new Error('transaction dropped');
      return receipt;
    } catch (err) {
      throw describeFailure(method, err, this.iface);
    }
  }

  private toBatch(log: RawLog): PinnedBatch | undefined {
    if (log.removed || log.address.toLowerCase() !== this.address.toLowerCase()) return undefined;
    if (log.topics[0]?.toLowerCase() !== this.batchPinnedTopic) return undefined;
    return decodeBatchPinned(log, this.authors);
  }
}
