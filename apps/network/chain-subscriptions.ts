import { randomBytes } from 'node:crypto';
import { isHexString } from 'ethers';
import { rpcError, rpcResult, type JsonRpcResponse } from './json-rpc.js';
import type { JsonRpcConnection } from './json-rpc-server.js';

/** A log as a receipt carries it. */
export interface RawReceiptLog {
  address: string;
  topics: string[];
  [field: string]: unknown;
}

/** A block as a newHeads subscriber is told of it. */
export interface BlockHead {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

/** A `logs` subscription's filter: addresses (any when empty) and topics by position (null: any). */
interface LogFilter {
  addresses: string[];
  topics: (string[] | null)[];
}

/**
 * The local chain's `eth_subscribe("newHeads")` and `eth_subscribe("logs", filter)`,
 * served over WebSocket: each journaled block is announced as it becomes
 * visible, its matching logs first, so ledger readers need neither poll for it
 * nor ask for its logs.
 */
export class ChainSubscriptions {
  /** newHeads subscriptions by id. */
  private readonly heads = new Map<string, JsonRpcConnection>();
  /** logs subscriptions by id. */
  private readonly logSubscriptions = new Map<string, { connection: JsonRpcConnection; filter: LogFilter }>();

  subscribe(id: JsonRpcResponse['id'], params: unknown[], connection?: JsonRpcConnection): JsonRpcResponse {
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

  /** True when there was such a subscription. */
  unsubscribe(subscription: string): boolean {
    return this.heads.delete(subscription) || this.logSubscriptions.delete(subscription);
  }

  /** Tells subscribers of a block that readers can now see: the matching logs of its transactions first, then the head. */
  announce(head: BlockHead, logs: RawReceiptLog[]): void {
    for (const [subscription, { connection, filter }] of this.logSubscriptions)
      for (const log of logs)
        if (matches(filter, log)) connection.notify('eth_subscription', { subscription, result: log });
    for (const [subscription, connection] of this.heads)
      connection.notify('eth_subscription', { subscription, result: head });
  }
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
