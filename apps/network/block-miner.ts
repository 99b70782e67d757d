import { Transaction } from 'ethers';
import type { BlockJournaler } from './block-journaler.js';
import type { RawReceiptLog } from './chain-subscriptions.js';
import { call, forward, rpcError, type JsonRpcRequest, type JsonRpcResponse } from './json-rpc.js';

/**
 * Mines the signed transactions sent to the local chain, one send or block at
 * a time. By default each transaction is mined alone in its block and
 * journaled before it is acknowledged. With a block time (`setBlockTime`), as
 * on a production chain, a transaction is acknowledged once the node took it
 * into its mempool, and every interval the transactions waiting are mined in
 * one block, journaled as one write.
 */
export class BlockMiner {
  private lock: Promise<unknown> = Promise.resolve();
  /** With a block time: transactions taken into the node's mempool and not yet mined, raw by hash, in arrival order. */
  private readonly mempool = new Map<string, string>();
  private blockMs = 0;
  private blockTimer?: NodeJS.Timeout;
  /** Why every request is refused for now (the node behind is being rebuilt), if it is. */
  private suspendedFor?: string;

  constructor(
    private readonly nodeUrl: string,
    private readonly blocks: BlockJournaler,
    private readonly log: (line: string) => void,
  ) {}

  get suspended(): string | undefined {
    return this.suspendedFor;
  }

  /** Stops mining and sending until resume(). Resolves once a send in progress is over. */
  async suspend(reason: string): Promise<void> {
    this.suspendedFor = reason;
    await this.lock;
  }

  resume(): void {
    this.suspendedFor = undefined;
  }

  /** Stops the block time's ticks and mines the transactions acknowledged and waiting, rather than lose them with the node. */
  async stop(): Promise<void> {
    clearInterval(this.blockTimer);
    if (this.blockMs > 0) await this.serialized(() => this.mineWaiting()).catch((err: Error) => this.log(err.message));
  }

  /** Resolves once a send in progress is journaled. */
  async idle(): Promise<void> {
    await this.lock;
  }

  /**
   * 0: each transaction is mined alone, at once (the default). More: the
   * transactions sent meanwhile are mined together every `ms`, like a
   * production chain's blocks. Switching back mines those still waiting.
   */
  async setBlockTime(ms: number): Promise<void> {
    if (!Number.isInteger(ms) || ms < 0) throw new Error(`a block time is a whole number of milliseconds, not ${ms}`);
    await this.serialized(async () => {
      clearInterval(this.blockTimer);
      this.blockTimer = undefined;
      if (ms === 0 && this.blockMs > 0) {
        await this.mineWaiting();
        await this.dropUnminable();
      }
      await call(this.nodeUrl, 'evm_setAutomine', [ms === 0]);
      this.blockMs = ms;
      if (ms > 0) this.blockTimer = setInterval(() => this.tick(), ms);
    });
  }

  /**
   * After the node behind was restarted and the journal replayed into it:
   * it mines at once again and its mempool is empty, so the block time is set
   * again and the transactions acknowledged but not journaled go back into it.
   */
  async nodeRestarted(): Promise<void> {
    if (this.blockMs === 0) return;
    await call(this.nodeUrl, 'evm_setAutomine', [false]);
    for (const [hash, raw] of this.mempool) {
      const res = await forward(this.nodeUrl, { id: 1, method: 'eth_sendRawTransaction', params: [raw] });
      if (res.error) {
        this.log(`local chain: transaction ${hash} could not be sent again after the restart: ${res.error.message}`);
        this.mempool.delete(hash);
      }
    }
  }

  /** Answers eth_sendRawTransaction, after the sends and blocks before it. */
  send(req: JsonRpcRequest, raw: string): Promise<JsonRpcResponse> {
    return this.serialized(() => this.sendRaw(req, raw));
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async sendRaw(req: JsonRpcRequest, raw: string): Promise<JsonRpcResponse> {
    const id = req.id ?? null;
    const broken = this.blocks.broken;
    if (broken) return rpcError(id, -32603, `local chain refuses transactions: ${broken.message}`);
    if (this.suspendedFor) return rpcError(id, -32603, `local chain unavailable: ${this.suspendedFor}`);
    let tx: Transaction;
    try {
      tx = Transaction.from(raw);
    } catch (err) {
      return rpcError(id, -32602, `invalid raw transaction: ${(err as Error).message}`);
    }
    return this.blockMs > 0 ? await this.enterMempool(req, tx, raw) : await this.mineAlone(req, tx, raw);
  }

  private async mineAlone(req: JsonRpcRequest, tx: Transaction, raw: string): Promise<JsonRpcResponse> {
    const id = req.id ?? null;
    await call(this.nodeUrl, 'evm_setNextBlockTimestamp', [this.blocks.nextTimestamp()]);
    const hash = tx.hash!.toLowerCase();
    return this.blocks.hiddenWhile([hash], async () => {
      const res = await forward(this.nodeUrl, req);
      if (res.error) return res;
      const receipt = await call<{ blockNumber: string; logs?: RawReceiptLog[] } | null>(
        this.nodeUrl,
        'eth_getTransactionReceipt',
        [hash],
      );
      if (!receipt) {
        // A transaction left in the mempool would later share a block with another
        // that it was never journaled beside. (The node refuses future nonces itself
        // when automining; checking them here first would mean recovering each
        // sender, a millisecond of JavaScript per transaction.)
        await call(this.nodeUrl, 'hardhat_dropTransaction', [hash]);
        return rpcError(id, -32000, 'transaction was not mined at once, so it was dropped');
      }
      await this.blocks.journalBlock(Number(receipt.blockNumber), [{ hash, raw, logs: receipt.logs ?? [] }]);
      return res;
    });
  }

  /**
   * With a block time: the node takes the transaction into its mempool, to be
   * mined with the others at the next tick. A nonce past the sender's next one
   * is refused, as when mining at once: such a transaction could wait forever,
   * and with it the blocks that must not be mined empty.
   */
  private async enterMempool(req: JsonRpcRequest, tx: Transaction, raw: string): Promise<JsonRpcResponse> {
    const id = req.id ?? null;
    const next = Number(await call<string>(this.nodeUrl, 'eth_getTransactionCount', [tx.from, 'pending']));
    if (tx.nonce > next)
      return rpcError(
        id,
        -32000,
        `nonce too high: the sender's next nonce is ${next}, this transaction has ${tx.nonce}`,
      );
    const res = await forward(this.nodeUrl, req);
    if (!res.error) this.mempool.set(tx.hash!.toLowerCase(), raw);
    return res;
  }

  private tick(): void {
    if (this.mempool.size === 0 || this.suspendedFor || this.blocks.broken) return;
    void this.serialized(() => this.mineBlock()).catch((err: Error) =>
      this.log(`local chain: mining a block failed: ${err.message}`),
    );
  }

  /** Mines blocks until no transaction is waiting, or none of those waiting can be mined. */
  private async mineWaiting(): Promise<void> {
    while (await this.mineBlock());
  }

  /**
   * Before mining at once again: a transaction still waiting (its fee cap
   * under the base fee, say) would otherwise be mined beside the next one
   * sent, in a block journaled with that one alone. It is dropped; its
   * sender sees it dropped and sends again.
   */
  private async dropUnminable(): Promise<void> {
    for (const hash of this.mempool.keys()) {
      await call(this.nodeUrl, 'hardhat_dropTransaction', [hash]);
      this.log(`local chain: transaction ${hash} could not be mined before mining at once again; dropped`);
    }
    this.mempool.clear();
  }

  /**
   * Mines the transactions waiting in one block; readers see it once it is
   * journaled. False, mining nothing, when none is waiting or the node would
   * mine none of them now.
   */
  private async mineBlock(): Promise<boolean> {
    if (this.mempool.size === 0 || this.suspendedFor || this.blocks.broken) return false;
    const pending = await call<{ transactions: string[] }>(this.nodeUrl, 'eth_getBlockByNumber', ['pending', false]);
    if (pending.transactions.length === 0) return false; // an empty block could not be journaled
    await call(this.nodeUrl, 'evm_setNextBlockTimestamp', [this.blocks.nextTimestamp()]);
    await call(this.nodeUrl, 'evm_mine');
    const mined = await call<{ number: string; transactions: string[] }>(this.nodeUrl, 'eth_getBlockByNumber', [
      'latest',
      false,
    ]);
    const hashes = mined.transactions.map((h) => h.toLowerCase());
    return this.blocks.hiddenWhile(hashes, async () => {
      const unknown = hashes.find((h) => !this.mempool.has(h));
      // Journaling it is impossible (no raw bytes, or no transaction to write), and skipping it would fork history on replay.
      if (hashes.length === 0 || unknown)
        return this.blocks.refuseFromNow(
          new Error(`block ${Number(mined.number)} was mined ${unknown ? `with ${unknown}, not sent here` : 'empty'}`),
        );
      const receipts = await Promise.all(
        hashes.map((h) => call<{ logs?: RawReceiptLog[] }>(this.nodeUrl, 'eth_getTransactionReceipt', [h])),
      );
      await this.blocks.journalBlock(
        Number(mined.number),
        hashes.map((hash, i) => ({ hash, raw: this.mempool.get(hash)!, logs: receipts[i].logs ?? [] })),
      );
      for (const h of hashes) this.mempool.delete(h);
      return true;
    });
  }
}
