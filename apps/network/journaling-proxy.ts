import { BlockJournaler } from './block-journaler.js';
import { BlockMiner } from './block-miner.js';
import { ChainSubscriptions } from './chain-subscriptions.js';
import type { JournalWriter } from './journal.js';
import { forward, rpcError, rpcResult, type JsonRpcRequest, type JsonRpcResponse } from './json-rpc.js';
import { serveJsonRpc, type JsonRpcConnection, type JsonRpcServer } from './json-rpc-server.js';

const hex = (n: number): string => '0x' + n.toString(16);
const LATEST_TAGS = new Set(['latest', 'pending', 'safe', 'finalized']);
const isLatest = (tag: unknown): boolean => typeof tag === 'string' && LATEST_TAGS.has(tag);

/**
 * The public JSON-RPC endpoint of the local chain. Transactions it lets
 * through are mined by the BlockMiner (each alone at once, or together on a
 * block time) and journaled by the BlockJournaler before readers may see them;
 * every read is answered as of the journaled height, so whatever a client saw
 * survives a crash and replay. Over WebSocket (same port) it also serves
 * `eth_subscribe("newHeads")` and `eth_subscribe("logs", filter)` (see
 * ChainSubscriptions). Whatever would change the chain outside the journal is
 * refused.
 */
export class JournalingProxy {
  private server?: JsonRpcServer;
  private readonly subscriptions = new ChainSubscriptions();
  private readonly blocks: BlockJournaler;
  private readonly miner: BlockMiner;

  constructor(
    private readonly nodeUrl: string,
    journal: JournalWriter,
    height: number,
    lastTimestamp: number,
    log: (line: string) => void,
  ) {
    this.blocks = new BlockJournaler(nodeUrl, journal, height, lastTimestamp, this.subscriptions, log);
    this.miner = new BlockMiner(nodeUrl, this.blocks, log);
  }

  get journaledHeight(): number {
    return this.blocks.height;
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
    await this.miner.suspend(reason);
  }

  resume(): void {
    this.miner.resume();
  }

  async close(): Promise<void> {
    await this.miner.stop();
    await this.server?.close();
    this.server = undefined;
    await this.miner.idle(); // let a send in progress finish journaling
  }

  /** See BlockMiner.setBlockTime: 0 mines each transaction alone, at once; more mines a block every `ms`. */
  async setBlockTime(ms: number): Promise<void> {
    await this.miner.setBlockTime(ms);
  }

  /** After the node behind was restarted and the journal replayed into it. */
  async nodeRestarted(): Promise<void> {
    await this.miner.nodeRestarted();
  }

  private async handle(req: JsonRpcRequest, connection?: JsonRpcConnection): Promise<JsonRpcResponse> {
    const id = req?.id ?? null;
    if (typeof req?.method !== 'string') return rpcError(id, -32600, 'Invalid request');
    if (this.miner.suspended) return rpcError(id, -32603, `local chain unavailable: ${this.miner.suspended}`);
    const params = Array.isArray(req.params) ? req.params : [];
    const height = this.blocks.height;
    try {
      switch (req.method) {
        case 'eth_sendRawTransaction':
          return await this.miner.send(req, String(params[0]));
        case 'eth_sendTransaction':
          return rpcError(
            id,
            -32601,
            'eth_sendTransaction is refused: the local chain journals only signed transactions; sign locally and use eth_sendRawTransaction',
          );
        case 'eth_blockNumber':
          return rpcResult(id, hex(height));
        case 'eth_subscribe':
          return this.subscriptions.subscribe(id, params, connection);
        case 'eth_unsubscribe':
          return rpcResult(id, this.subscriptions.unsubscribe(String(params[0])));
        case 'eth_getBlockByNumber':
          if (isLatest(params[0]))
            return await forward(this.nodeUrl, {
              ...req,
              params: [hex(height), ...params.slice(1)],
            });
          if (Number(params[0]) > height) return rpcResult(id, null);
          return await forward(this.nodeUrl, req);
        case 'eth_getLogs':
          return await forward(this.nodeUrl, {
            ...req,
            params: [clampFilter(params[0], height)],
          });
        case 'eth_getTransactionReceipt':
        case 'eth_getTransactionByHash':
          if (this.blocks.isHidden(String(params[0]))) return rpcResult(id, null);
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
}

/** Log queries stop at the journaled height. */
function clampFilter(filter: unknown, height: number): unknown {
  if (typeof filter !== 'object' || filter === null || 'blockHash' in filter) return filter;
  const f = { ...(filter as Record<string, unknown>) };
  if (f.toBlock === undefined || isLatest(f.toBlock) || Number(f.toBlock) > height) f.toBlock = hex(height);
  if (isLatest(f.fromBlock)) f.fromBlock = hex(height);
  return f;
}
