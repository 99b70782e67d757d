import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import FireFlyModule from '@hyperledger/firefly-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { verifySignature } from '../../apps/gateway/events/delivery/webhooks/webhook-signature.js';
import { Api } from './api.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
const SUBS = '/api/v1/namespaces/default/subscriptions';
const EVENTS = '/api/v1/namespaces/default/events';

interface Delivered {
  id: string;
  sequence: number;
  type: string;
  reference?: string;
  author?: string;
  data?: { id?: string };
  subscription: { id: string; name?: string };
}

interface Subscription {
  id: string;
  name: string;
  offset: number;
  secret?: string;
  status?: { deadLetters: number };
}

/** A WebSocket app: every delivery it got, in order, and the frames it sends. */
class App {
  readonly received: Delivered[] = [];
  readonly errors: string[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as Delivered & { error?: string };
      if (frame.type === 'protocol_error') this.errors.push(frame.error!);
      else this.received.push(frame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(query = ''): Promise<App> {
    const ws = new WebSocket(`${api.url('buyer').replace('http', 'ws')}/ws${query}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new App(ws);
  }

  static async durable(name: string, autoack = false): Promise<App> {
    const app = await App.connect();
    app.send({ type: 'start', namespace: 'default', name, autoack });
    return app;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  ack(e: Delivered): void {
    this.send({ type: 'ack', id: e.id, subscription: e.subscription });
  }

  async until(done: (received: Delivered[]) => boolean, timeoutMs = 30_000): Promise<Delivered[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (this.errors.length) throw new Error(`protocol_error: ${this.errors.join('; ')}`);
      if (Date.now() > deadline)
        throw new Error(
          `timed out with ${this.received.length} deliveries: ${this.received.map((e) => e.sequence).join(',')}`,
        );
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await closed;
  }
}

let processId: string;

/** `count` unpinned notes from the buyer: one message-sent event each at the buyer, in the order sent. */
async function notes(count: number, chosen: string[] = []): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = chosen[i] ?? randomUUID();
    const { status } = await api.sendMessage('buyer', { id, processId, pinned: false, data: { n: i } });
    expect(status).toBeLessThan(300);
    ids.push(id);
  }
  return ids;
}

/** Only this file's notes: message-sent events of its own process. */
const NOTES = { events: '^message-sent$', reference: '' };

async function createSub(body: Record<string, unknown>): Promise<Subscription> {
  const { status, body: sub } = await api.request<Subscription>('buyer', SUBS, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(status).toBe(201);
  return sub;
}

async function getSub(id: string): Promise<Subscription> {
  return (await api.request<Subscription>('buyer', `${SUBS}/${id}`)).body;
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const noteIds = (events: Delivered[]) => events.map((e) => e.data?.id);

describe('durable and ephemeral subscriptions', () => {
  const subscriptions: string[] = [];
  const sub = async (body: Record<string, unknown>) => {
    const created = await createSub(body);
    subscriptions.push(created.id);
    return created;
  };

  beforeAll(async () => {
    const started = await api.startTrade(500);
    await api.settled(started.id, ['completed']);
    processId = started.id;
    NOTES.reference = `^${processId}$`;
  });

  afterAll(async () => {
    for (const id of subscriptions) await api.fetch('buyer', `${SUBS}/${id}`, { method: 'DELETE' });
  });

  it('creates, upserts, lists, gets and deletes subscriptions, refusing bad ones with clear errors', async () => {
    const name = `crud-${randomUUID().slice(0, 8)}`;
    const created = await createSub({ name, filter: { events: '^step-', processId: 'p-1' } });
    expect(created).toMatchObject({
      name,
      namespace: 'default',
      transport: 'websockets',
      filter: { events: '^step-', reference: 'p-1' },
      options: { firstEvent: 'newest', readAhead: 50, withData: true, batch: false },
    });
    const again = await api.post<{ error: { code: string } }>('buyer', SUBS, { name });
    expect([again.status, again.body.error.code]).toEqual([409, 'subscription-exists']);

    const put = await api.request<Subscription & { filter: object }>('buyer', SUBS, {
      method: 'PUT',
      body: JSON.stringify({ name, filter: { author: '^seller$' }, options: { readAhead: 3 } }),
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: created.id, filter: { author: '^seller$' }, options: { readAhead: 3 } });
    const fresh = await api.request<Subscription>('buyer', SUBS, {
      method: 'PUT',
      body: JSON.stringify({ name: `${name}-b` }),
    });
    expect(fresh.status).toBe(201);

    const list = await api.request<Subscription[]>('buyer', `${SUBS}?name=${name}`);
    expect(list.body.map((s) => s.id)).toEqual([created.id]);
    expect((await api.request<Subscription>('buyer', `${SUBS}/${created.id}`)).body).toMatchObject({
      id: created.id,
      status: { deadLetters: 0 },
    });
    expect((await api.request<Subscription>('buyer', `${SUBS}/${name}`)).body.id).toBe(created.id);

    for (const id of [created.id, fresh.body.id])
      expect((await api.fetch('buyer', `${SUBS}/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await api.request<{ error: { code: string } }>('buyer', `${SUBS}/${created.id}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'unknown-subscription']);

    const refusals: [object, string, string][] = [
      [{ name: 'bad', filter: { events: '(' } }, 'invalid-subscription', 'filter.events is not a valid regular'],
      [{ name: 'bad', options: { readAhead: 0 } }, 'invalid-subscription', 'options.readAhead'],
      [{ name: '' }, 'invalid-subscription', 'name must be'],
      [{ name: 'bad', transport: 'webhooks', options: { url: 'ftp://x/y' } }, 'invalid-webhook-url', 'http or https'],
      [{ name: 'bad', transport: 'webhooks' }, 'invalid-webhook-url', 'options.url'],
    ];
    for (const [body, code, message] of refusals) {
      const res = await api.post<{ error: { code: string; message: string } }>('buyer', SUBS, body);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
      expect(res.body.error.message).toContain(message);
    }
    const ns = await api.request<{ error: { code: string } }>('buyer', '/api/v1/namespaces/other/subscriptions');
    expect([ns.status, ns.body.error.code]).toEqual([404, 'unknown-namespace']);
  });

  it('filters and pages the event log, and shows a subscription its history', async () => {
    const ids = await notes(3);
    const query = `${EVENTS}?type=message-sent&author=buyer&processId=${processId}`;
    const all = (await api.request<Delivered[]>('buyer', `${query}&limit=1000`)).body;
    expect(noteIds(all).slice(-3)).toEqual(ids);
    expect(all.every((e) => e.type === 'message-sent' && e.author === 'buyer' && e.reference === processId)).toBe(true);
    const page = (await api.request<Delivered[]>('buyer', `${query}&skip=${all.length - 2}&limit=1`)).body;
    expect(noteIds(page)).toEqual([ids[1]]);
    const afterFirst = (await api.request<Delivered[]>('buyer', `${query}&after=${all.at(-2)!.sequence}&limit=10`))
      .body;
    expect(noteIds(afterFirst)).toEqual([ids[2]]);
    const byReference = (await api.request<Delivered[]>('buyer', `${EVENTS}?reference=${processId}&limit=1000`)).body;
    expect(byReference.some((e) => e.type === 'process-started')).toBe(true);

    const s = await sub({
      name: `history-${randomUUID().slice(0, 8)}`,
      filter: NOTES,
      options: { firstEvent: 'oldest' },
    });
    const history = (await api.request<(Delivered & { acked: boolean })[]>('buyer', `${SUBS}/${s.id}/events`)).body;
    expect(noteIds(history).slice(-3)).toEqual(ids);
    expect(history.every((e) => e.type === 'message-sent' && !e.acked)).toBe(true);
  });

  it('delivers each event until acked, exactly once per ack across reconnects, and resumes after the last ack', async () => {
    const s = await sub({ name: `durable-${randomUUID().slice(0, 8)}`, filter: NOTES, options: { readAhead: 5 } });
    const first = await App.durable(s.name);
    const sent = await notes(12);
    const acked = new Set<string>();
    // Ack the first four deliveries only, then drop the connection with the others in flight.
    await first.until((r) => r.length >= 5);
    for (const e of first.received.slice(0, 4)) {
      first.ack(e);
      acked.add(e.data!.id!);
    }
    await sleep(300);
    await first.close();

    const second = await App.durable(s.name);
    second.ws.on('message', (data) => second.ack(JSON.parse((data as Buffer).toString()) as Delivered));
    await second.until((r) => new Set([...acked, ...noteIds(r)]).size >= 12);
    expect(second.received.filter((e) => acked.has(e.data!.id!))).toEqual([]);
    expect(new Set(noteIds(second.received)).size).toBe(second.received.length);
    expect(new Set([...acked, ...noteIds(second.received)])).toEqual(new Set(sent));
    await waitFor(
      async () => ((await getSub(s.id)).offset >= second.received.at(-1)!.sequence ? true : undefined),
      'offset',
    );
    await second.close();

    // Away: what happens now waits for the app.
    const whileAway = await notes(3);
    const third = await App.durable(s.name);
    await third.until((r) => r.length >= 3);
    await sleep(500);
    expect(noteIds(third.received)).toEqual(whileAway);
    await third.close();
  });

  it('balances one subscription across connections, each event to one of them, a stalled one holding only its window', async () => {
    const s = await sub({ name: `balanced-${randomUUID().slice(0, 8)}`, filter: NOTES, options: { readAhead: 2 } });
    const stalled = await App.durable(s.name);
    const workers = await Promise.all([1, 2, 3].map(() => App.durable(s.name)));
    for (const w of workers)
      w.ws.on('message', (data) => {
        const e = JSON.parse((data as Buffer).toString()) as Delivered;
        setTimeout(() => w.ack(e), 20);
      });
    await sleep(300);
    const sent = await notes(30);
    const worked = () => workers.reduce((n, w) => n + w.received.length, 0);
    await stalled.until(() => worked() + stalled.received.length >= 30);
    await sleep(300);
    // Never acked: it holds at least the first event (all were idle) and at most its window.
    expect(stalled.received.length).toBeGreaterThanOrEqual(1);
    expect(stalled.received.length).toBeLessThanOrEqual(2);
    expect(worked() + stalled.received.length).toBe(30);
    await stalled.close(); // what it held goes to the others
    await workers[0].until(() => workers.reduce((n, w) => n + w.received.length, 0) >= 30);
    await sleep(500);
    const delivered = workers.flatMap((w) => noteIds(w.received));
    expect(delivered.length).toBe(30);
    expect(new Set(delivered)).toEqual(new Set(sent));
    for (const w of workers) expect(w.received.length).toBeGreaterThan(0);
    await Promise.all(workers.map((w) => w.close()));
  });

  it('delivers batches as event_batch frames, acked by the batch id, and leaves data out without withData', async () => {
    const s = await sub({
      name: `batch-${randomUUID().slice(0, 8)}`,
      filter: NOTES,
      options: { batch: true, batchSize: 10, readAhead: 1, withData: false },
    });
    const sent = await notes(5);
    const expected = (
      await api.request<Delivered[]>('buyer', `${EVENTS}?type=message-sent&reference=${processId}&limit=1000`)
    ).body.filter((e) => sent.includes(e.data!.id!));
    const app = await App.durable(s.name);
    const batches = app.received as unknown as { type: string; id: string; events: Delivered[] }[];
    app.ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as { id: string; subscription: object };
      app.send({ type: 'ack', id: frame.id, subscription: frame.subscription });
    });
    await app.until(() => batches.reduce((n, b) => n + b.events.length, 0) >= 5);
    await sleep(300);
    expect(batches.every((b) => b.type === 'event_batch')).toBe(true);
    const events = batches.flatMap((b) => b.events);
    expect(events.map((e) => e.sequence)).toEqual(expected.map((e) => e.sequence));
    expect(events.every((e) => e.data === undefined && e.subscription.id === s.id)).toBe(true);
    await waitFor(async () => ((await getSub(s.id)).offset >= events.at(-1)!.sequence ? true : undefined), 'acks');
    await app.close();
  });

  it('gives every ephemeral connection its own copy, started by a frame or by query parameters', async () => {
    const byFrame = await App.connect();
    byFrame.send({ type: 'start', namespace: 'default', ephemeral: true, autoack: true, filter: NOTES });
    const byQuery = await App.connect(
      `?namespace=default&ephemeral&autoack&filter.events=${encodeURIComponent(NOTES.events)}&filter.reference=${processId}`,
    );
    await sleep(300);
    const sent = await notes(4);
    for (const app of [byFrame, byQuery]) {
      await app.until((r) => r.length >= 4);
      expect(noteIds(app.received)).toEqual(sent);
      expect(app.received.every((e) => e.type === 'message-sent')).toBe(true);
    }
    expect(byFrame.received[0].subscription.id).not.toBe(byQuery.received[0].subscription.id);
    await Promise.all([byFrame.close(), byQuery.close()]);
  });

  it('replays the whole history from oldest, then goes on live with no gap or duplicate at the seam', async () => {
    await notes(20);
    const filter = { reference: `^${processId}$` };
    const s = await sub({
      name: `replay-${randomUUID().slice(0, 8)}`,
      filter,
      options: { firstEvent: 'oldest', readAhead: 20 },
    });
    const app = await App.durable(s.name);
    app.ws.on('message', (data) => app.ack(JSON.parse((data as Buffer).toString()) as Delivered));
    await notes(20); // written while the replay runs
    const expected = (await api.request<Delivered[]>('buyer', `${EVENTS}?reference=${processId}&limit=1000`)).body;
    await app.until((r) => r.length >= expected.length);
    await sleep(300);
    expect(app.received.map((e) => e.sequence)).toEqual(expected.map((e) => e.sequence));
    expect(app.received.map((e) => e.type)).toContain('process-started');
    await app.close();
  });

  it('takes an ack for every event of a fast replay: answers are not counted against WS_MAX_FRAMES_PER_SECOND', async () => {
    await notes(450);
    const s = await sub({
      name: `fast-${randomUUID().slice(0, 8)}`,
      filter: { reference: `^${processId}$` },
      options: { firstEvent: 'oldest', readAhead: 500 },
    });
    const app = await App.durable(s.name);
    app.ws.on('message', (data) => app.ack(JSON.parse((data as Buffer).toString()) as Delivered));
    const expected = (await api.request<Delivered[]>('buyer', `${EVENTS}?reference=${processId}&limit=1000`)).body;
    expect(expected.length).toBeGreaterThan(400); // more than twice the limit's burst, acked at once
    await app.until((r) => r.length >= expected.length);
    await waitFor(async () => ((await getSub(s.id)).offset >= expected.at(-1)!.sequence ? true : undefined), 'offset');
    expect(app.errors).toEqual([]);
    await app.close();
  });

  it('offers a nacked event again with backoff, then dead-letters it and moves on', async () => {
    const s = await sub({
      name: `nack-${randomUUID().slice(0, 8)}`,
      filter: NOTES,
      options: { readAhead: 1, retry: { count: 3, initialDelay: '50ms', maxDelay: '200ms' } },
    });
    const app = await App.durable(s.name);
    await sleep(300);
    const [poison, next] = [randomUUID(), randomUUID()];
    const nacked: Delivered[] = [];
    app.ws.on('message', (data) => {
      const e = JSON.parse((data as Buffer).toString()) as Delivered;
      if (e.data?.id === poison) {
        nacked.push(e);
        app.send({ type: 'nack', id: e.id, subscription: e.subscription, reason: `cannot take it (${nacked.length})` });
      } else app.ack(e);
    });
    await notes(2, [poison, next]);
    await waitFor(
      () => (nacked.length >= 3 && app.received.some((e) => e.data?.id === next) ? true : undefined),
      'three attempts and the next event',
    );
    expect(nacked.map((e) => e.data?.id)).toEqual([poison, poison, poison]);
    const dead = await waitFor(async () => {
      const { body } = await api.request<{ sequence: number; attempts: number; lastError: string; event: Delivered }[]>(
        'buyer',
        `${SUBS}/${s.id}/deadletters`,
      );
      return body.length ? body : undefined;
    }, 'a dead letter');
    expect(dead).toMatchObject([{ attempts: 3, lastError: 'cannot take it (3)', event: { data: { id: poison } } }]);
    const nextSequence = app.received.find((e) => e.data?.id === next)!.sequence;
    await waitFor(async () => ((await getSub(s.id)).offset >= nextSequence ? true : undefined), 'the offset past it');
    expect((await getSub(s.id)).status?.deadLetters).toBe(1);
    await app.close();
  });

  it("works with FireFly's JavaScript SDK unchanged: subscription calls, named and ephemeral listen", async () => {
    // A CommonJS package: Node's ESM import gives module.exports (the class under `default`), Vite's the class.
    const sdk = FireFlyModule as unknown as { default?: typeof FireFlyModule.default };
    const FireFly = sdk.default ?? (FireFlyModule as unknown as typeof FireFlyModule.default);
    const ff = new FireFly({
      host: api.url('buyer'),
      namespace: 'default',
      websocket: { reconnectDelay: -1 },
    });
    const name = `sdk-${randomUUID().slice(0, 8)}`;
    const created = (await ff.replaceSubscription({
      name,
      transport: 'websockets',
      filter: NOTES,
      options: { firstEvent: 'newest', readAhead: 5 },
    })) as unknown as Subscription;
    subscriptions.push(created.id);
    const listed = (await ff.getSubscriptions({ name })) as unknown as Subscription[];
    expect(listed.map((x) => x.id)).toEqual([created.id]);

    const named: Delivered[] = [];
    const ephemeral: Delivered[] = [];
    const namedSocket = ff.listen(name, (_socket, event) => {
      named.push(event);
    });
    const ephemeralSocket = ff.listen({ filter: { events: NOTES.events } }, (_socket, event) => {
      ephemeral.push(event);
    });
    await sleep(500);
    const sent = await notes(5);
    await waitFor(
      () => (named.length >= 5 && ephemeral.filter((e) => sent.includes(e.data!.id!)).length >= 5 ? true : undefined),
      'SDK deliveries',
    );
    expect(noteIds(named)).toEqual(sent);
    expect(named.every((e) => e.subscription.name === name)).toBe(true);
    // The SDK acked each one after its handler: the offset moves past the last.
    await waitFor(async () => ((await getSub(created.id)).offset >= named.at(-1)!.sequence ? true : undefined), 'acks');
    namedSocket.close();
    ephemeralSocket.close();
    await ff.deleteSubscription(created.id);
    expect((await api.request('buyer', `${SUBS}/${created.id}`)).status).toBe(404);
  });
});

/** A real HTTP receiver for webhooks; `answer` picks the status of each request. */
class Receiver {
  readonly requests: { body: string; signature?: string; delivery?: string; subscription?: string }[] = [];
  answer: (body: string, attempt: number) => number = () => 200;
  private readonly server: Server;
  private readonly attempts = new Map<string, number>();

  constructor() {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const delivery = req.headers['x-baton-delivery'] as string | undefined;
        const attempt = (this.attempts.get(body) ?? 0) + 1;
        this.attempts.set(body, attempt);
        this.requests.push({
          body,
          signature: req.headers['x-baton-signature'] as string | undefined,
          delivery,
          subscription: req.headers['x-baton-subscription'] as string | undefined,
        });
        res.writeHead(this.answer(body, attempt)).end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('webhooks', () => {
  let receiver: Receiver;
  let url: string;
  const subscriptions: string[] = [];

  beforeAll(async () => {
    receiver = new Receiver();
    url = await receiver.listen();
    if (!processId) {
      const started = await api.startTrade(500);
      await api.settled(started.id, ['completed']);
      processId = started.id;
      NOTES.reference = `^${processId}$`;
    }
  });

  afterAll(async () => {
    for (const id of subscriptions) await api.fetch('buyer', `${SUBS}/${id}`, { method: 'DELETE' });
    await receiver.close();
  });

  it('POSTs signed events, retrying a 500 with backoff until a 2xx, and only then moves the offset', async () => {
    const s = await createSub({
      name: `hook-${randomUUID().slice(0, 8)}`,
      transport: 'webhooks',
      filter: NOTES,
      options: { url, readAhead: 1, retry: { count: 5, initialDelay: '50ms' } },
    });
    subscriptions.push(s.id);
    expect(s.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await getSub(s.id)).secret).toBeUndefined();
    receiver.answer = (_body, attempt) => (attempt <= 2 ? 500 : 200);
    const sent = await notes(2);
    await waitFor(() => (receiver.requests.length >= 6 ? true : undefined), 'six POSTs');
    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as Delivered);
    // A refused event waits for its retry without holding back the next one.
    for (const id of sent) expect(bodies.filter((b) => b.data?.id === id)).toHaveLength(3);
    await sleep(300);
    expect(receiver.requests).toHaveLength(6);
    for (const r of receiver.requests) expect(verifySignature(s.secret!, r.body, r.signature)).toBe(true);
    expect(verifySignature('not-the-secret', receiver.requests[0].body, receiver.requests[0].signature)).toBe(false);
    expect(bodies[0].subscription.id).toBe(s.id);
    const last = Math.max(...bodies.map((b) => b.sequence));
    await waitFor(async () => ((await getSub(s.id)).offset >= last ? true : undefined), 'the offset');
    expect((await api.fetch('buyer', `${SUBS}/${s.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('delivers batches as arrays, and dead-letters what keeps failing', async () => {
    receiver.requests.length = 0;
    const chosen = [randomUUID(), randomUUID(), randomUUID()];
    receiver.answer = (body) => (body.includes(chosen[1]) ? 500 : 200);
    const s = await createSub({
      name: `hook-batch-${randomUUID().slice(0, 8)}`,
      transport: 'webhooks',
      filter: NOTES,
      options: { url, batch: true, readAhead: 1, batchSize: 10, retry: { count: 2, initialDelay: '50ms' } },
    });
    subscriptions.push(s.id);
    const sent = await notes(3, chosen);
    const dead = await waitFor(async () => {
      const { body } = await api.request<{ event: Delivered }[]>('buyer', `${SUBS}/${s.id}/deadletters`);
      return body.length ? body : undefined;
    }, 'dead letters');
    const batches = receiver.requests
      .filter((r) => r.subscription === s.id)
      .map((r) => JSON.parse(r.body) as Delivered[]);
    expect(batches.every((b) => Array.isArray(b))).toBe(true);
    expect(new Set(batches.flat().map((e) => e.data?.id))).toEqual(new Set(sent));
    expect(dead.map((d) => d.event.data?.id)).toContain(sent[1]);
  });
});

/** The pid of the buyer's gateway process, found by its command line and PORT (Linux /proc). */
function buyerGatewayPid(): number | undefined {
  const port = new URL(api.url('buyer')).port;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('dist/apps/gateway/main.js')) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`PORT=${port}`)) return Number(entry);
    } catch {
      // the process ended meanwhile, or is not ours
    }
  }
  return undefined;
}

describe('webhook deliveries over a gateway restart', () => {
  it('keeps offsets and retries when the gateway is killed, and delivers once the app answers', async () => {
    const receiver = new Receiver();
    const url = await receiver.listen();
    const s = await createSub({
      name: `hook-restart-${randomUUID().slice(0, 8)}`,
      transport: 'webhooks',
      filter: NOTES,
      options: { url, readAhead: 1, retry: { count: 50, initialDelay: '300ms', maxDelay: '1s' } },
    });
    try {
      const [delivered] = await notes(1);
      await waitFor(() => (receiver.requests.length >= 1 ? true : undefined), 'the first POST');
      const first = JSON.parse(receiver.requests[0].body) as Delivered;
      expect(first.data?.id).toBe(delivered);
      await waitFor(async () => ((await getSub(s.id)).offset >= first.sequence ? true : undefined), 'its offset');

      receiver.answer = () => 503;
      const [pending] = await notes(1);
      await waitFor(() => (receiver.requests.length >= 3 ? true : undefined), 'two refused POSTs');

      const pid = buyerGatewayPid();
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      await waitFor(
        async () => {
          const next = buyerGatewayPid();
          if (next === undefined || next === pid) return undefined;
          const res = await api.fetch('buyer', '/healthz').catch(() => undefined);
          return res?.ok ? true : undefined;
        },
        'the launcher to restart the gateway',
        60_000,
      );

      receiver.answer = () => 200;
      const before = receiver.requests.length;
      await waitFor(
        () => (receiver.requests.slice(before).some((r) => r.body.includes(pending)) ? true : undefined),
        'the pending event after the restart',
        60_000,
      );
      const pendingSequence = receiver.requests
        .map((r) => JSON.parse(r.body) as Delivered)
        .find((e) => e.data?.id === pending)!.sequence;
      await waitFor(async () => ((await getSub(s.id)).offset >= pendingSequence ? true : undefined), 'the offset');
      // What was acked before the restart was not sent again.
      expect(receiver.requests.slice(1).filter((r) => r.body.includes(delivered))).toEqual([]);
    } finally {
      await api.fetch('buyer', `${SUBS}/${s.id}`, { method: 'DELETE' });
      await receiver.close();
    }
  });
});
