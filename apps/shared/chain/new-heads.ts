import WebSocket from 'ws';
import type { Logger } from '../logger.js';
import { frameText } from '../ws-frame.js';

/** First pause before connecting again; it doubles up to the last. */
const RETRY_MS = [500, 30_000] as const;
/** A subscription answer slower than this counts as a failed connection. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;
/** How often an open connection is pinged; one not answered by the next ping is dropped. */
const PING_MS = 15_000;

/**
 * Follows a chain's new blocks through its WebSocket JSON-RPC endpoint
 * (`eth_subscribe("newHeads")`, which the local chain's journaling proxy
 * and Ethereum nodes serve) and calls `onHead` for each one, with its
 * number (so a reader need not ask the chain for its head), and once each
 * time the subscription is (again) in place, so a reader catches up on what
 * came while it was down. It connects again, after a pause that grows, when
 * the connection fails or drops. `live` says whether blocks are being
 * announced now: while it is false, a reader must poll.
 */
export class NewHeads {
  live = false;
  private socket?: WebSocket;
  private stopped = false;
  private retryMs: number = RETRY_MS[0];
  private timer?: NodeJS.Timeout;
  private failuresLogged = 0;

  constructor(
    private readonly url: string,
    /** Called with the announced block's number (when the announcement has one), and without after each (re)subscription. */
    private readonly onHead: (blockNumber?: number) => void,
    private readonly log: Logger,
    private readonly pingMs = PING_MS,
    /**
     * Also subscribes to `logs` with this filter and hands each log to `onLog`
     * (a hint that may come before its block's head, or not at all where the
     * chain refuses the subscription: readers still read the chain).
     */
    private readonly logs?: { filter: object; onLog: (log: unknown) => void },
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    clearTimeout(this.timer);
    this.socket?.terminate();
  }

  private connect(): void {
    const socket = new WebSocket(this.url, { handshakeTimeout: SUBSCRIBE_TIMEOUT_MS });
    this.socket = socket;
    const answerTimer = setTimeout(() => {
      this.failed('no answer to eth_subscribe');
      socket.terminate();
    }, SUBSCRIBE_TIMEOUT_MS);
    // A connection that went half-open (a peer gone without a FIN, a NAT that
    // forgot it) announces nothing and never closes: without a pong it is
    // dropped and made again, and the reader polls meanwhile.
    let answered = true;
    let pinger: NodeJS.Timeout | undefined;
    /** The logs subscription's id, once the chain took it. */
    let logsSubscription: string | undefined;
    socket.on('open', () => {
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
      if (this.logs)
        socket.send(
          JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['logs', this.logs.filter] }),
        );
      pinger = setInterval(() => {
        if (!answered) {
          this.failed(`no pong within ${this.pingMs} ms`);
          socket.terminate();
          return;
        }
        answered = false;
        socket.ping();
      }, this.pingMs);
    });
    socket.on('pong', () => (answered = true));
    socket.on('message', (data) => {
      let message: {
        id?: unknown;
        method?: string;
        result?: unknown;
        params?: { subscription?: unknown; result?: { number?: unknown } };
        error?: { message?: string };
      };
      try {
        message = JSON.parse(frameText(data)) as typeof message;
      } catch {
        return;
      }
      if (message.method === 'eth_subscription') {
        if (logsSubscription !== undefined && message.params?.subscription === logsSubscription)
          return this.logs?.onLog(message.params.result);
        return this.onHead(blockNumberOf(message.params?.result?.number));
      }
      if (message.id === 2) {
        if (typeof message.result === 'string') logsSubscription = message.result;
        else this.log.debug('logs subscription refused; blocks are read', { error: message.error?.message });
        return;
      }
      if (message.id !== 1) return;
      clearTimeout(answerTimer);
      if (message.error || typeof message.result !== 'string') {
        this.failed(`eth_subscribe refused: ${message.error?.message ?? JSON.stringify(message.result)}`);
        socket.close();
        return;
      }
      this.live = true;
      this.retryMs = RETRY_MS[0];
      this.failuresLogged = 0;
      this.log.info('following new blocks over WebSocket', { url: this.url });
      this.onHead();
    });
    socket.on('error', (err) => this.failed(err.message));
    socket.on('close', () => {
      clearTimeout(answerTimer);
      clearInterval(pinger);
      if (this.socket !== socket) return;
      const wasLive = this.live;
      this.live = false;
      if (this.stopped) return;
      if (wasLive)
        this.log.warn('new-block subscription closed; polling the chain until it is back', { url: this.url });
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MS[1]);
    });
  }

  /** Says why a connection failed, loudly the first time in a row, then quietly. */
  private failed(reason: string): void {
    if (this.stopped) return;
    const fields = { url: this.url, error: reason, retryInMs: this.retryMs };
    if (this.failuresLogged++ === 0)
      this.log.warn('new-block subscription failed; polling the chain meanwhile', fields);
    else this.log.debug('new-block subscription failed again', fields);
  }
}

/** A block number as JSON-RPC writes it (hex quantity), or undefined. */
function blockNumberOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
