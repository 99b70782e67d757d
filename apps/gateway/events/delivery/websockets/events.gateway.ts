import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import type { MemberConfig } from '../../../../shared/config.js';
import { frameText } from '../../../../shared/ws-frame.js';
import type { Logger } from '../../../../shared/logger.js';
import { AppAuthenticator, AuthError, requireScope, type AppPrincipal } from '../../../auth/app-auth.js';
import { CONFIG, LOGGER } from '../../../core/tokens.js';
import { deliveryBody, type Delivery, type DeliveryTarget } from '../delivery-target.js';
import { AttachError, DeliveryService } from '../delivery.service.js';
import type { SubscriptionDispatcher } from '../subscription-dispatcher.js';
import { EventStreamService } from '../../event-stream.service.js';
import { eventView } from '../../event-view.js';
import { FrameError, parseFrame, startFromQuery, type ClientFrame, type StartFrame } from './ws-frames.js';
import { WsLimits } from './ws-limits.js';

/** A connection's place in one durable subscription. */
interface Attachment {
  dispatcher: SubscriptionDispatcher;
  target: DeliveryTarget;
  namespace: string;
  name: string;
}

interface Connection {
  ephemeral: { id: string; unsubscribe: () => void }[];
  durable: Attachment[];
  closed: boolean;
  /** The client's address, counted in the per-client connection bound. */
  address: string;
  /** Who connected (undefined with APP_AUTH off): attaching to a durable subscription checks it. */
  principal?: AppPrincipal;
  /** False when the connection has sent frames faster than its rate allows. */
  takeFrame: () => boolean;
  /**
   * Deliveries sent and not yet answered: that many frames are taken outside
   * the rate limit, so an app acking a fast replay is never throttled (its
   * acks are bounded by what the gateway sent it).
   */
  owed: number;
}

/** Close code for refused credentials and exceeded limits. */
const POLICY_VIOLATION = 1008;

/**
 * `/ws`: FireFly's WebSocket protocol. A `start` frame (or FireFly's query
 * parameters on connect) opens an ephemeral subscription, or attaches the
 * connection to a durable one by name; `ack` and `nack` answer deliveries of
 * durable ones; bad frames get a `protocol_error` frame.
 */
@WebSocketGateway({ path: '/ws' })
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly limits: WsLimits;

  constructor(
    private readonly stream: EventStreamService,
    private readonly delivery: DeliveryService,
    private readonly authenticator: AppAuthenticator,
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.limits = new WsLimits(config.wsMaxConnectionsPerClient, config.wsMaxFramesPerSecond);
  }

  handleConnection(client: WebSocket, request?: IncomingMessage): void {
    const address = request?.socket.remoteAddress ?? 'unknown';
    let principal: AppPrincipal | undefined;
    if (this.config.appAuth.enabled) {
      try {
        principal = this.authenticator.authenticate(request?.headers ?? {}, request?.url);
        requireScope(principal, 'read');
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        return client.close(POLICY_VIOLATION, `${err.code}: ${err.message}`.slice(0, 120));
      }
    }
    if (!this.limits.open(address)) {
      this.log.warn('websocket refused: too many connections from one client', { address });
      return client.close(POLICY_VIOLATION, `too many connections from ${address}`.slice(0, 120));
    }
    this.connections.set(client, {
      ephemeral: [],
      durable: [],
      closed: false,
      address,
      principal,
      takeFrame: this.limits.frameBucket(),
      owed: 0,
    });
    client.on('message', (data) => {
      const connection = this.connections.get(client);
      if (connection && connection.owed > 0) connection.owed -= 1;
      else if (connection && !connection.takeFrame())
        return this.send(client, {
          type: 'protocol_error',
          error: `too many frames: at most ${this.config.wsMaxFramesPerSecond} per second; this one was dropped`,
        });
      void this.onFrame(client, frameText(data));
    });
    const query = new URL(request?.url ?? '/ws', 'http://gateway').searchParams;
    try {
      const start = startFromQuery(query);
      if (start) void this.start(client, start);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.send(client, { type: 'protocol_error', error: err.message });
    }
  }

  handleDisconnect(client: WebSocket): void {
    const connection = this.connections.get(client);
    this.connections.delete(client);
    if (!connection) return;
    this.limits.close(connection.address);
    connection.closed = true;
    for (const e of connection.ephemeral) e.unsubscribe();
    for (const d of connection.durable) void this.delivery.detach(d.dispatcher, d.target);
  }

  private async onFrame(client: WebSocket, raw: string): Promise<void> {
    let frame: ClientFrame;
    try {
      frame = parseFrame(raw);
    } catch (err) {
      if (err instanceof FrameError) return this.send(client, { type: 'protocol_error', error: err.message });
      throw err;
    }
    if (frame.type === 'start') return this.start(client, frame.start);
    const connection = this.connections.get(client);
    if (!connection) return;
    const candidates = connection.durable.filter(
      (d) =>
        !frame.subscription ||
        (frame.subscription.id ?? d.dispatcher.id) === d.dispatcher.id ||
        (frame.subscription.name === d.name && (frame.subscription.namespace ?? d.namespace) === d.namespace),
    );
    const handled = candidates.some((d) =>
      frame.type === 'ack'
        ? d.dispatcher.ack(d.target, frame.id)
        : d.dispatcher.nack(d.target, frame.id, frame.reason ?? 'nack'),
    );
    // Acks of ephemeral deliveries need no answer (FireFly's SDK acks every event).
    if (!handled && connection.ephemeral.length === 0)
      this.send(client, {
        type: 'protocol_error',
        error: frame.id ? `no delivery "${frame.id}" in flight to ${frame.type}` : `nothing in flight to ${frame.type}`,
      });
  }

  private async start(client: WebSocket, start: StartFrame): Promise<void> {
    if (start.namespace !== this.config.networkNamespace)
      return this.send(client, { type: 'protocol_error', error: `unknown namespace "${start.namespace}"` });
    if (start.ephemeral) return this.startEphemeral(client, start);
    const target: DeliveryTarget = {
      autoack: start.autoack,
      deliver: (delivery: Delivery) => this.sendOwed(client, deliveryBody(delivery)),
    };
    let dispatcher: SubscriptionDispatcher;
    try {
      const principal = this.connections.get(client)?.principal;
      dispatcher = await this.delivery.attach(start.namespace, start.name!, target, principal);
    } catch (err) {
      // A refusal names its code as the 401/403 close reasons do: `forbidden: …`.
      if (err instanceof AuthError)
        return this.send(client, { type: 'protocol_error', error: `${err.code}: ${err.message}` });
      if (!(err instanceof AttachError)) this.log.error('attaching to a subscription failed', { error: String(err) });
      return this.send(client, { type: 'protocol_error', error: (err as Error).message });
    }
    const connection = this.connections.get(client);
    // The client may have disconnected while attaching.
    if (!connection || connection.closed) return void this.delivery.detach(dispatcher, target);
    connection.durable.push({ dispatcher, target, namespace: start.namespace, name: start.name! });
  }

  private async startEphemeral(client: WebSocket, start: StartFrame): Promise<void> {
    const subscription = { id: randomUUID(), namespace: start.namespace, name: start.name };
    const unsubscribe = await this.stream.subscribe(
      {
        filter: start.filter,
        send: (event) => this.sendOwed(client, { ...eventView(event, start.namespace), subscription }),
      },
      start.firstEvent,
    );
    const connection = this.connections.get(client);
    if (connection && !connection.closed) connection.ephemeral.push({ id: subscription.id, unsubscribe });
    else unsubscribe();
  }

  /**
   * A client that stopped reading would make the socket's buffer grow without
   * bound (ephemeral deliveries are not windowed): past WS_MAX_BUFFERED_BYTES
   * it is disconnected; a durable subscription's deliveries then go elsewhere.
   */
  /** Sends a delivery the app may answer (FireFly's SDK acks even ephemeral events). */
  private sendOwed(client: WebSocket, frame: object): void {
    const connection = this.connections.get(client);
    if (connection) connection.owed += 1;
    this.send(client, frame);
  }

  private send(client: WebSocket, frame: object): void {
    if (client.readyState !== client.OPEN) return;
    if (client.bufferedAmount > this.config.wsMaxBufferedBytes) {
      this.log.warn('websocket closed: the client stopped reading', { buffered: client.bufferedAmount });
      return client.terminate(); // a close frame would wait behind what it does not read
    }
    client.send(JSON.stringify(frame));
  }
}

/** ws delivers a Buffer by default; arrays and ArrayBuffers only with another binaryType. */
