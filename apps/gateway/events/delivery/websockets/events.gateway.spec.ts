import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { hashApiKey } from '../../../../shared/app-keys.js';
import type { MemberConfig } from '../../../../shared/config.js';
import type { EventRecord } from '../../../../shared/db/entities.js';
import type { Logger } from '../../../../shared/logger.js';
import { AppAuthenticator } from '../../../auth/app-auth.js';
import type { EventStreamService, StreamSubscriber } from '../../event-stream.service.js';
import type { DeliveryService } from '../delivery.service.js';
import { EventsGateway } from './events.gateway.js';

const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Events for a subscriber that starts at `oldest` (sent at once), and a way to make subscribing fail. */
class StreamStub {
  failing = false;
  history: EventRecord[] = [];
  subscribe(subscriber: StreamSubscriber): Promise<() => void> {
    if (this.failing) return Promise.reject(new TypeError("Cannot read properties of undefined (reading 'sequence')"));
    for (const event of this.history) subscriber.send(event);
    return Promise.resolve(() => undefined);
  }
}

/**
 * The gateway's handlers behind a real `ws` server (Nest only calls them):
 * what `ws` throws, as on a close reason over 123 bytes, is thrown here too.
 */
async function serve(config: Partial<MemberConfig> = {}) {
  const errors: string[] = [];
  const log = {
    error: (msg: string) => errors.push(msg),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  } as unknown as Logger;
  const stream = new StreamStub();
  const authenticator = new AppAuthenticator({
    apiKeys: [{ name: 'reader', scopes: ['read'], sha256: hashApiKey('reader-key') }],
    jwtSecret: 's3cret',
  });
  const gateway = new EventsGateway(
    stream as unknown as EventStreamService,
    {} as DeliveryService,
    authenticator,
    {
      appAuth: { enabled: true },
      networkNamespace: 'default',
      wsMaxConnectionsPerClient: 100,
      wsMaxFramesPerSecond: 10,
      wsMaxBufferedBytes: 1 << 24,
      wsMaxSubscriptionsPerConnection: 3,
      ...config,
    } as MemberConfig,
    log,
  );
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (ws, request) => {
    gateway.handleConnection(ws, request);
    ws.on('close', () => gateway.handleDisconnect(ws));
  });
  await new Promise((r) => server.once('listening', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  servers.push(server);
  return { url, errors, stream };
}

const servers: WebSocketServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A client that keeps every frame it gets, and how it was closed. */
async function connect(url: string) {
  const ws = new WebSocket(url);
  const frames: { type?: string; error?: string; sequence?: number }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { type?: string }));
  await new Promise((resolve) => ws.once('open', resolve));
  return { ws, frames, closed };
}

describe('EventsGateway: nothing a client sends escapes its handlers', () => {
  it('closes with 1008 on a token whose header decodes to null, or names an algorithm in 200 euro signs', async () => {
    const { url, errors } = await serve();
    for (const header of ['bnVsbA', part({ alg: '€'.repeat(200) })]) {
      const { closed } = await connect(`${url}?access_token=${header}.e30.x`);
      const { code, reason } = await closed;
      expect(code).toBe(1008);
      expect(reason).toMatch(/^invalid-token: /);
    }
    expect(errors).toEqual([]);
  });

  it('answers a frame whose handling fails with a protocol_error, logs it, and keeps the connection', async () => {
    const { url, errors, stream } = await serve();
    const { ws, frames } = await connect(`${url}?access_token=reader-key`);
    stream.failing = true;
    ws.send(JSON.stringify({ type: 'start', ephemeral: true }));
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    expect(frames[0]).toEqual({
      type: 'protocol_error',
      error: 'the gateway failed to handle this frame; it is logged',
    });
    expect(errors).toEqual(['websocket frame failed']);
    stream.failing = false;
    ws.send(JSON.stringify({ type: 'start', ephemeral: true }));
    ws.send('{"type":"ack"}');
    await vi.waitFor(() => expect(frames).toHaveLength(2)); // the ack of nothing
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('refuses a start frame beyond WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, counting starts not yet settled', async () => {
    const { url } = await serve();
    const { ws, frames } = await connect(`${url}?access_token=reader-key&ephemeral`);
    for (let i = 0; i < 3; i++) ws.send(JSON.stringify({ type: 'start', ephemeral: true }));
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    expect(frames[0].error).toMatch(/^too many subscriptions on one connection: at most 3 /);
    ws.close();
  });

  it('exempts from the frame rate only acks and nacks of what was delivered', async () => {
    const { url, stream } = await serve({ wsMaxFramesPerSecond: 1 });
    stream.history = Array.from({ length: 100 }, (_, i) => ({ sequence: i + 1, type: 'x' }) as EventRecord);
    const { ws, frames } = await connect(`${url}?access_token=reader-key&ephemeral&firstEvent=oldest`);
    await vi.waitFor(() => expect(frames.filter((f) => f.sequence)).toHaveLength(100));
    // Other frames do not ride on the deliveries owed an answer: a burst of twice the rate (2) is
    // taken (and refused as unknown), the rest dropped; then every ack still goes through.
    for (let i = 0; i < 40; i++) ws.send('{"type":"bogus"}');
    for (let i = 0; i < 100; i++) ws.send('{"type":"ack"}');
    ws.send('{"type":"ack","id":"one-too-many"}');
    await vi.waitFor(() => expect(frames.filter((f) => f.type === 'protocol_error')).toHaveLength(41));
    const errors = frames.filter((f) => f.type === 'protocol_error').map((f) => f.error);
    expect(errors.filter((e) => e?.startsWith('unknown frame type'))).toHaveLength(2);
    expect(errors.filter((e) => e?.startsWith('too many frames'))).toHaveLength(39);
    ws.close();
  });
});
