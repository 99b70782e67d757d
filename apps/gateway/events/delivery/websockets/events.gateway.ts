import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import type { RawData, WebSocket } from 'ws';
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
import { WsConnection } from './ws-connection.js';
import {
  closeReason,
  FrameError,
  frameObject,
  frameType,
  parseFrame,
  startFromQuery,
  type ClientFrame,
  type StartFrame,
} from './ws-frames.js';
import { WsLimits } from './ws-limits.js';

/** Close code for refused credentials and exceeded limits. */
const POLICY_VIOLATION = 1008;
/** Close code for a connection the gateway failed to open. */
const INTERNAL_ERROR = 1011;
/**
 * A replay from `oldest` pauses while this much waits unsent to its client,
 * and goes on as the client reads: a slow reader is not cut off by its own replay.
 */
const REPLAY_PAUSE_BYTES = 1024 * 1024;

/**
 * `/ws`: FireFly's WebSocket protocol. A `start` frame (or FireFly's query
 * parameters on connect) opens an ephemeral subscription, or attaches the
 * connection to a durable one by name; `ack` and `nack` answer deliveries of
 * durable ones; bad frames get a `protocol_error` frame. Whatever a handler
 * throws is caught here (see guarded): one connection never stops the gateway.
 */
@WebSocketGateway({ path: '/ws' })
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly connections = new Map<WebSocket, WsConnection>();
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
    this.guarded(client, 'connection', () => this.open(client, request));
  }

  handleDisconnect(client: WebSocket): void {
    this.guarded(client, 'disconnection', () => this.close(client));
  }

  private open(client: WebSocket, request?: IncomingMessage): Promise<void> | void {
    const address = request?.socket.remoteAddress ?? 'unknown';
    let principal: AppPrincipal | undefined;
    if (this.config.appAuth.enabled) {
      try {
        principal = this.authenticator.authenticate(request?.headers ?? {}, request?.url);
        requireScope(principal, 'read');
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        return client.close(POLICY_VIOLATION, closeReason(`${err.code}: ${err.message}`));
      }
    }
    if (!this.limits.open(address)) {
      this.log.warn('websocket refused: too many connections from one client', { address });
      return client.close(POLICY_VIOLATION, closeReason(`too many connections from ${address}`));
    }
    const connection = new WsConnection(
      address,
      principal,
      this.limits.frameBucket(),
      this.config.wsMaxSubscriptionsPerConnection,
    );
    this.connections.set(client, connection);
    client.on('message', (data) => this.guarded(client, 'frame', () => this.onMessage(client, connection, data)));
    const query = new URL(request?.url ?? '/ws', 'http://gateway').searchParams;
    let start: StartFrame | undefined;
    try {
      start = startFromQuery(query);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      return this.send(client, { type: 'protocol_error', error: err.message });
    }
    if (start && connection.reserve()) return this.start(client, connection, start);
  }

  private close(client: WebSocket): void {
    const connection = this.connections.get(client);
    this.connections.delete(client);
    if (!connection) return;
    this.limits.close(connection.address);
    connection.closed = true;
    for (const e of connection.ephemeral) e.unsubscribe();
    for (const d of connection.durable) void this.delivery.detach(d.dispatcher, d.target);
  }

  /**
   * A frame is read in two steps: its object and type, then (once the rate
   * and, for a `start`, the subscription bound allow it) the rest, which may
   * compile filters: nothing costly runs for a frame that is to be dropped.
   */
  private onMessage(client: WebSocket, connection: WsConnection, data: RawData): Promise<void> | void {
    let object: Record<string, unknown> | undefined;
    let refusal: string | undefined;
    try {
      object = frameObject(frameText(data));
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      refusal = err.message;
    }
    const type = object ? frameType(object) : '';
    if (!connection.admits(type))
      return this.refuse(
        client,
        `too many frames: at most ${this.config.wsMaxFramesPerSecond} per second; this one was dropped`,
      );
    if (!object) return this.refuse(client, refusal!);
    if (type === 'start' && !connection.reserve())
      return this.refuse(
        client,
        `too many subscriptions on one connection: at most ${this.config.wsMaxSubscriptionsPerConnection} ` +
          '(WS_MAX_SUBSCRIPTIONS_PER_CONNECTION); open another connection',
      );
    let frame: ClientFrame;
    try {
      frame = parseFrame(object);
    } catch (err) {
      if (type === 'start') connection.settle();
      if (!(err instanceof FrameError)) throw err;
      return this.refuse(client, err.message);
    }
    if (frame.type === 'start') return this.start(client, connection, frame.start);
    this.answer(client, connection, frame);
  }

  private answer(client: WebSocket, connection: WsConnection, frame: Exclude<ClientFrame, { type: 'start' }>): void {
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
      this.refuse(
        client,
        frame.id ? `no delivery "${frame.id}" in flight to ${frame.type}` : `nothing in flight to ${frame.type}`,
      );
  }

  /** Starts what a `start` frame asks, in the room `connection.reserve()` took for it. */
  private async start(client: WebSocket, connection: WsConnection, start: StartFrame): Promise<void> {
    try {
      if (start.namespace !== this.config.networkNamespace)
        return this.refuse(client, `unknown namespace "${start.namespace}"`);
      if (start.ephemeral) return await this.startEphemeral(client, connection, start);
      await this.attach(client, connection, start);
    } finally {
      connection.settle();
    }
  }

  private async attach(client: WebSocket, connection: WsConnection, start: StartFrame): Promise<void> {
    const target: DeliveryTarget = {
      autoack: start.autoack,
      deliver: (delivery: Delivery) => this.sendOwed(client, connection, deliveryBody(delivery)),
    };
    let dispatcher: SubscriptionDispatcher;
    try {
      dispatcher = await this.delivery.attach(start.namespace, start.name!, target, connection.principal);
    } catch (err) {
      // A refusal names its code as the 401/403 close reasons do: `forbidden: …`.
      if (err instanceof AuthError) return this.refuse(client, `${err.code}: ${err.message}`);
      if (!(err instanceof AttachError)) throw err;
      return this.refuse(client, err.message);
    }
    // The client may have disconnected while attaching.
    if (connection.closed) return void this.delivery.detach(dispatcher, target);
    connection.durable.push({ dispatcher, target, namespace: start.namespace, name: start.name! });
  }

  private async startEphemeral(client: WebSocket, connection: WsConnection, start: StartFrame): Promise<void> {
    const subscription = { id: randomUUID(), namespace: start.namespace, name: start.name };
    const unsubscribe = await this.stream.subscribe(
      {
        filter: start.filter,
        send: (event) => this.sendOwed(client, connection, { ...eventView(event, start.namespace), subscription }),
        ready: () => client.bufferedAmount < REPLAY_PAUSE_BYTES,
      },
      start.firstEvent,
    );
    if (connection.closed) unsubscribe();
    else connection.ephemeral.push({ id: subscription.id, unsubscribe });
  }

  /**
   * Runs a handler so that nothing it throws, now or later, escapes to the
   * process: the failure is logged, a connection that failed to open is
   * closed (1011), and a frame that failed is answered.
   */
  private guarded(client: WebSocket, what: string, handler: () => Promise<void> | void): void {
    const failed = (err: unknown) => {
      this.log.error(`websocket ${what} failed`, { error: err instanceof Error ? (err.stack ?? err.message) : err });
      if (what === 'connection') client.close(INTERNAL_ERROR, 'internal error');
      else if (what === 'frame') this.refuse(client, 'the gateway failed to handle this frame; it is logged');
    };
    try {
      handler()?.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  private refuse(client: WebSocket, error: string): void {
    this.send(client, { type: 'protocol_error', error });
  }

  /** Sends a delivery the app may answer. */
  private sendOwed(client: WebSocket, connection: WsConnection, frame: object): void {
    connection.delivered();
    this.send(client, frame);
  }

  /**
   * A client that stopped reading would make the socket's buffer grow without
   * bound (ephemeral deliveries are not windowed): past WS_MAX_BUFFERED_BYTES
   * it is disconnected; a durable subscription's deliveries then go elsewhere.
   */
  private send(client: WebSocket, frame: object): void {
    if (client.readyState !== client.OPEN) return;
    if (client.bufferedAmount > this.config.wsMaxBufferedBytes) {
      this.log.warn('websocket closed: the client stopped reading', { buffered: client.bufferedAmount });
      return client.terminate(); // a close frame would wait behind what it does not read
    }
    client.send(JSON.stringify(frame));
  }
}
