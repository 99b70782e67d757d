import { randomBytes } from 'node:crypto';
import { isHexString, Transaction } from 'ethers';
import type { JournalWriter } from './journal.js';
import { call, forward, rpcError, rpcResult, type JsonRpcRequest, type JsonRpcResponse } from './json-rpc.js';
import { serveJsonRpc, type JsonRpcConnection, type JsonRpcServer } from './json-rpc-server.js';

const hex = (n: number): string => '0x' + n.toString(16);
const LATEST_TAGS = new Set(['latest', 'pending', 'safe', 'finalized']);
const isLatest = (tag: unknown): boolean => typeof tag === 'string' && LATEST_TAGS.has(tag);

/**
 * The public JSON-RPC endpoint of the local chain. By default every
 * transaction it lets through is mined alone in its block and journaled
 * (fsync) before it is acknowledged. With a block time (`setBlockTime`), as
 * on a production chain, a transaction is acknowledged once the node took it
 * into its mempool, and every interval the transactions waiting are mined in
 * one block, journaled as one write. Either way readers never see past the
 * journaled height, so whatever a client saw survives a crash and replay.
 * Over WebSocket (same port) it also serves `eth_subscribe("newHeads")` and `eth_subscribe("logs", filter)`:
 * each journaled block is announced as it becomes visible, its matching logs
 * first, so ledger readers need neither poll for it nor ask for its logs.
 */
export class JournalingProxy {
  private server?: JsonRpcServer;
  private sendLock: Promise<unknown> = Promise.resolve();
  /** Hashes mined but not yet journaled: hidden from readers. */
  private readonly inFlight = new Set<string>();
  /** With a block time: transactions taken into the node's mempool and not yet mined, raw by hash, in arrival order. */
  private readonly mempool = new Map<string, string>();
  private blockMs = 0;
  private blockTimer?: NodeJS.Timeout;
  private broken?: Error;
  /** Why every request is refused for now (the node behind is being rebuilt), if it is. */
  private suspended?: string;
  /** newHeads subscriptions by id. */
  private readonly heads = new Map<string, JsonRpcConnection>();
  /** logs subscriptions by id. */
  private readonly logSubscriptions = new Map<string, { connection: JsonRpcConnection; filter: LogFilter }>();

  constructor(
    private readonly nodeUrl: string,
    private readonly journal: JournalWriter,
    private height: number,
    private lastTimestamp: number,
    private readonly log: (line: string) => void,
  ) {}

  get journaledHeight(): number {
    return this.height;
  }

  async listen(host: string, port: number): Promise<void> {
    this.server = await serveJsonRpc(host, port, (req, connection) => this.handle(req, connection));
  }

  /**
   * Refuses every request until resume(): while a restarted node replays the
   * journal it is behind the journaled height, and a reader must never take
   * its missing blocks for empty ones. Resolves once a send in progress is over.
   */
  async suspend(reason: string): Promise<void> {
    this.suspended = reason;
    await this.sendLock;
  }

  resume(): void {
    this.suspended = undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.blockTimer);
    // Transactions acknowledged and waiting for their block are mined now rather than lost with the node.
    if (this.blockMs > 0) await this.serialized(() => this.mineWaiting()).catch((err: Error) => this.log(err.message));
    await this.server?.close();
    this.server = undefined;
    await this.sendLock; // let a send in progress finish journaling
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

  private async handle(req: JsonRpcRequest, connection?: JsonRpcConnection): Promise<JsonRpcResponse> {
    const id = req?.id ?? null;
    if (typeof req?.method !== 'string') return rpcError(id, -32600, 'Invalid request');
    if (this.suspended) return rpcError(id, -32603, `local chain unavailable: ${this.suspended}`);
    const params = Array.isArray(req.params) ? req.params : [];
    try {
      switch (req.method) {
        case 'eth_sendRawTransaction':
          return await this.serialized(() => this.sendRaw(req, String(params[0])));
        case 'eth_sendTransaction':
          return rpcError(
            id,
            -32601,
            'eth_sendTransaction is refused: the local chain journals only signed transactions; sign locally and use eth_sendRawTransaction',
          );
        case 'eth_blockNumber':
          return rpcResult(id, hex(this.height));
        case 'eth_subscribe':
          return this.subscribe(id, params, connection);
        case 'eth_unsubscribe':
          return rpcResult(id, this.heads.delete(String(params[0])) || this.logSubscriptions.delete(String(params[0])));
        case 'eth_getBlockByNumber':
          if (isLatest(params[0]))
            return await forward(this.nodeUrl, {
              ...req,
              params: [hex(this.height), ...params.slice(1)],
            });
          if (Number(params[0]) > this.height) return rpcResult(id, null);
          return await forward(this.nodeUrl, req);
        case 'eth_getLogs':
          return await forward(this.nodeUrl, {
            ...req,
            params: [this.clampFilter(params[0])],
          });
        case 'eth_getTransactionReceipt':
        case 'eth_getTransactionByHash':
          if (this.inFlight.has(String(params[0]).toLowerCase())) return rpcResult(id, null);
          return await forward(this.nodeUrl, req);
      }
      if (/^(evm|hardhat)_/.test(req.method)) {
        return rpcError(id, -32601, `${req.method} is refused: it would change the chain outside the journal`);
      }
      return await forward(this.nodeUrl, req);
    } catch (err) {
      return rpcError(id, -32603, `local chain: ${(err as Error).message}`);
    }
  }

  private subscribe(id: JsonRpcResponse['id'], params: unknown[], connection?: JsonRpcConnection): JsonRpcResponse {
    if (!connection) return rpcError(id, -32601, 'eth_subscribe needs a WebSocket connection (ws:// on this port)');
    const subscription = '0x' + randomBytes(16).toString('hex');
    if (params[0] === 'newHeads') {
      this.heads.set(subscription, connection);
      connection.onClose(() => this.heads.delete(subscription));
      return rpcResult(id, subscription);
    }
    if (params[0] === 'logs') {
      const filter = logFilter(params[1]);
      if (typeof filter === 'string') return rpcError(id, -32602, filter);
      this.logSubscriptions.set(subscription, { connection, filter });
      connection.onClose(() => this.logSubscriptions.delete(subscription));
      return rpcResult(id, subscription);
    }
    return rpcError(
      id ?? null,
      -32602,
      `only newHeads and logs subscriptions are served here, not ${JSON.stringify(params[0])}`,
    );
  }

  /** Tells subscribers of a block that readers can now see: the matching logs of its transaction first, then the head. */
  private announce(
    head: { number: string; hash: string; parentHash: string; timestamp: string },
    logs: RawReceiptLog[],
  ): void {
    for (const [subscription, { connection, filter }] of this.logSubscriptions)
      for (const log of logs)
        if (matches(filter, log)) connection.notify('eth_subscription', { subscription, result: log });
    for (const [subscription, connection] of this.heads)
      connection.notify('eth_subscription', { subscription, result: head });
  }

  /** Log queries stop at the journaled height. */
  private clampFilter(filter: unknown): unknown {
    if (typeof filter !== 'object' || filter === null || 'blockHash' in filter) return filter;
    const f = { ...(filter as Record<string, unknown>) };
    if (f.toBlock === undefined || isLatest(f.toBlock) || Number(f.toBlock) > this.height) f.toBlock = hex(this.height);
    if (isLatest(f.fromBlock)) f.fromBlock = hex(this.height);
    return f;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.sendLock.then(fn);
    this.sendLock = run.catch(() => undefined);
    return run;
  }

  private async sendRaw(req: JsonRpcRequest, raw: string): Promise<JsonRpcResponse> {
    const id = req.id ?? null;
    if (this.broken) return rpcError(id, -32603, `local chain refuses transactions: ${this.broken.message}`);
    if (this.suspended) return rpcError(id, -32603, `local chain unavailable: ${this.suspended}`);
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
    await call(this.nodeUrl, 'evm_setNextBlockTimestamp', [this.nextTimestamp()]);
    const hash = tx.hash!.toLowerCase();
    this.inFlight.add(hash);
    try {
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
      await this.journalBlock(Number(receipt.blockNumber), [{ hash, raw, logs: receipt.logs ?? [] }]);
      return res;
    } finally {
      this.inFlight.delete(hash);
    }
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
    if (this.mempool.size === 0 || this.suspended || this.broken) return;
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
    if (this.mempool.size === 0 || this.suspended || this.broken) return false;
    const pending = await call<{ transactions: string[] }>(this.nodeUrl, 'eth_getBlockByNumber', ['pending', false]);
    if (pending.transactions.length === 0) return false; // an empty block could not be journaled
    await call(this.nodeUrl, 'evm_setNextBlockTimestamp', [this.nextTimestamp()]);
    await call(this.nodeUrl, 'evm_mine');
    const mined = await call<{ number: string; transactions: string[] }>(this.nodeUrl, 'eth_getBlockByNumber', [
      'latest',
      false,
    ]);
    const hashes = mined.transactions.map((h) => h.toLowerCase());
    for (const h of hashes) this.inFlight.add(h);
    try {
      const unknown = hashes.find((h) => !this.mempool.has(h));
      // Journaling it is impossible (no raw bytes, or no transaction to write), and skipping it would fork history on replay.
      if (hashes.length === 0 || unknown)
        return this.refuseFromNow(
          new Error(`block ${Number(mined.number)} was mined ${unknown ? `with ${unknown}, not sent here` : 'empty'}`),
        );
      const receipts = await Promise.all(
        hashes.map((h) => call<{ logs?: RawReceiptLog[] }>(this.nodeUrl, 'eth_getTransactionReceipt', [h])),
      );
      await this.journalBlock(
        Number(mined.number),
        hashes.map((hash, i) => ({ hash, raw: this.mempool.get(hash)!, logs: receipts[i].logs ?? [] })),
      );
      for (const h of hashes) this.mempool.delete(h);
      return true;
    } finally {
      for (const h of hashes) this.inFlight.delete(h);
    }
  }

  /** Journals a mined block's transactions (fsync), then lets readers see it and announces it. */
  private async journalBlock(
    number: number,
    txs: { hash: string; raw: string; logs: RawReceiptLog[] }[],
  ): Promise<void> {
    const block = await call<{ number: string; hash: string; parentHash: string; timestamp: string }>(
      this.nodeUrl,
      'eth_getBlockByNumber',
      [`0x${number.toString(16)}`, false],
    );
    const timestamp = Number(block.timestamp);
    await this.journal
      .append(txs.map(({ hash, raw }) => ({ raw, hash, block: number, timestamp })))
      .catch((err: Error) => this.refuseFromNow(new Error(`journal append failed: ${err.message}`), err));
    this.height = number;
    this.lastTimestamp = timestamp;
    this.announce(
      { number: block.number, hash: block.hash, parentHash: block.parentHash, timestamp: block.timestamp },
      txs.flatMap((t) => t.logs),
    );
  }

  /** The block exists on the node but is not recorded: accepting more would fork history on replay. */
  private refuseFromNow(err: Error, cause: Error = err): never {
    this.broken = err;
    this.log(`local chain: ${err.message}; refusing further transactions`);
    throw cause;
  }

  /** Block times follow the wall clock even after a replay moved the node's clock. */
  private nextTimestamp(): number {
    return Math.max(Math.floor(Date.now() / 1000), this.lastTimestamp + 1);
  }
}

/** A log as a receipt carries it. */
interface RawReceiptLog {
  address: string;
  topics: string[];
  [field: string]: unknown;
}

/** A `logs` subscription's filter: addresses (any when empty) and topics by position (null: any). */
interface LogFilter {
  addresses: string[];
  topics: (string[] | null)[];
}

/** The filter of eth_subscribe("logs", filter), or why it is refused. */
function logFilter(raw: unknown): LogFilter | string {
  if (raw === undefined) return { addresses: [], topics: [] };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a logs filter is an object';
  const { address, topics } = raw as { address?: unknown; topics?: unknown };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  const addresses = address === undefined || address === null ? [] : list(address);
  if (!addresses.every((a) => isHexString(a, 20))) return 'filter.address must be an address or a list of addresses';
  if (topics !== undefined && !Array.isArray(topics)) return 'filter.topics must be a list';
  const byPosition = (topics ?? []).map((t: unknown) => (t === null ? null : list(t)));
  if (!byPosition.every((t) => t === null || t.every((x) => isHexString(x, 32))))
    return 'filter.topics holds 32-byte hashes, lists of them, or null';
  return {
    addresses: addresses.map((a) => (a as string).toLowerCase()),
    topics: byPosition.map((t) => t && t.map((x) => (x as string).toLowerCase())),
  };
}

function matches(filter: LogFilter, log: RawReceiptLog): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.includes(log.address.toLowerCase())) return false;
  return filter.topics.every((wanted, i) => wanted === null || wanted.includes(log.topics[i]?.toLowerCase() ?? ''));
}
