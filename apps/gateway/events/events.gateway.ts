import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import type { RawData, WebSocket } from 'ws';
import type { MemberConfig } from '../../shared/config.js';
import { CONFIG } from '../core/tokens.js';
import { EventStreamService } from './event-stream.service.js';
import { eventView } from './event-view.js';
import { FrameError, parseFrame } from './ws-frames.js';

/**
 * `/ws`: FireFly's WebSocket protocol. A `start` frame opens an ephemeral
 * subscription on the connection; events arrive as FireFly event objects
 * naming their subscription; bad frames get a `protocol_error` frame.
 */
@WebSocketGateway({ path: '/ws' })
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly subscriptions = new Map<WebSocket, (() => void)[]>();

  constructor(
    private readonly stream: EventStreamService,
    @Inject(CONFIG) private readonly config: MemberConfig,
  ) {}

  handleConnection(client: WebSocket): void {
    this.subscriptions.set(client, []);
    client.on('message', (data) => void this.onFrame(client, frameText(data)));
  }

  handleDisconnect(client: WebSocket): void {
    for (const unsubscribe of this.subscriptions.get(client) ?? []) unsubscribe();
    this.subscriptions.delete(client);
  }

  private async onFrame(client: WebSocket, raw: string): Promise<void> {
    let frame: ReturnType<typeof parseFrame>;
    try {
      frame = parseFrame(raw);
    } catch (err) {
      if (err instanceof FrameError) return this.send(client, { type: 'protocol_error', error: err.message });
      throw err;
    }
    if (frame.type === 'ack') return; // ephemeral subscriptions need no acks
    const { start } = frame;
    if (start.namespace !== this.config.networkNamespace)
      return this.send(client, { type: 'protocol_error', error: `unknown namespace "${start.namespace}"` });
    if (!start.ephemeral)
      return this.send(client, {
        type: 'protocol_error',
        error: 'durable subscriptions are not available yet; use ephemeral',
      });
    const subscription = { id: randomUUID(), namespace: start.namespace, name: start.name };
    const unsubscribe = await this.stream.subscribe(
      {
        filter: start.filter,
        send: (event) => this.send(client, { ...eventView(event, start.namespace), subscription }),
      },
      start.firstEvent,
    );
    const subscriptions = this.subscriptions.get(client);
    // The client may have disconnected while the subscription was starting.
    if (subscriptions) subscriptions.push(unsubscribe);
    else unsubscribe();
  }

  private send(client: WebSocket, frame: object): void {
    if (client.readyState === client.OPEN) client.send(JSON.stringify(frame));
  }
}

/** ws delivers a Buffer by default; arrays and ArrayBuffers only with another binaryType. */
function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}
