import WebSocket from 'ws';
import type { EventFrame } from './api-types.js';
import { failureReason, GatewayError, UnreachableError, type Gateway } from './http.js';

export interface EventQuery {
  /** Regular expressions, as the gateway's `/ws` filter takes them. */
  filter: { events?: string; reference?: string };
  firstEvent: 'oldest' | 'newest' | number;
}

/**
 * An ephemeral subscription on a gateway's `/ws` (FireFly's protocol, acked
 * automatically). `closed` settles when the connection ends: resolves after
 * `close()`, rejects when the gateway drops it or sends a `protocol_error`.
 */
export class EventSocket {
  readonly closed: Promise<void>;
  private closing = false;

  private constructor(
    private readonly ws: WebSocket,
    onEvent: (event: EventFrame) => void,
  ) {
    this.closed = new Promise((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        let frame: EventFrame & { error?: string };
        try {
          frame = JSON.parse(data.toString()) as EventFrame & { error?: string };
        } catch {
          return reject(new GatewayError('bad-frame', `the gateway sent a frame that is not JSON`));
        }
        if (frame.type === 'protocol_error') {
          this.close();
          return reject(new GatewayError('protocol-error', frame.error ?? 'protocol error'));
        }
        onEvent(frame);
      });
      ws.on('close', () =>
        this.closing ? resolve() : reject(new GatewayError('stream-closed', 'the gateway closed the event stream')),
      );
      ws.on('error', (err) => reject(new GatewayError('stream-error', err.message)));
    });
    // Callers may only await `closed` later; never leave a rejection unhandled meanwhile.
    this.closed.catch(() => undefined);
  }

  /** Connects and sends the `start` frame; fails with UnreachableError when the gateway is down. */
  static async open(gateway: Gateway, query: EventQuery, onEvent: (event: EventFrame) => void): Promise<EventSocket> {
    const ws = new WebSocket(gateway.wsUrl, { headers: gateway.authHeaders });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(new UnreachableError(gateway.baseUrl, failureReason(err))));
    });
    const socket = new EventSocket(ws, onEvent);
    ws.send(
      JSON.stringify({
        type: 'start',
        namespace: 'default',
        ephemeral: true,
        autoack: true,
        filter: query.filter,
        options: { firstEvent: query.firstEvent },
      }),
    );
    return socket;
  }

  close(): void {
    this.closing = true;
    this.ws.close();
  }
}
