import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { Api } from './api.js';
import { E2E_PORTS } from './ports.js';

// What the subscription tests (subscriptions-*.test.ts) share: the buyer's
// subscription and event-log endpoints, a WebSocket app, and the notes each
// test file writes to have events of its own.

export const api = new Api(E2E_PORTS);
export const SUBS = '/api/v1/namespaces/default/subscriptions';
export const EVENTS = '/api/v1/namespaces/default/events';

export interface Delivered {
  id: string;
  sequence: number;
  type: string;
  reference?: string;
  author?: string;
  data?: { id?: string };
  subscription: { id: string; name?: string };
}

export interface Subscription {
  id: string;
  name: string;
  offset: number;
  secret?: string;
  status?: { deadLetters: number };
}

/** A WebSocket app: every delivery it got, in order, and the frames it sends. */
export class App {
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

/**
 * The notes of one test file: unpinned notes from the buyer on a trade of the
 * file's own, so that its subscriptions see only its own events.
 */
export class Notes {
  processId = '';
  /** Only this file's notes: message-sent events of its own process. */
  readonly filter = { events: '^message-sent$', reference: '' };

  /** Starts the file's trade and waits until it completed (call in beforeAll). */
  async start(): Promise<void> {
    const started = await api.startTrade(500);
    await api.settled(started.id, ['completed']);
    this.processId = started.id;
    this.filter.reference = `^${this.processId}$`;
  }

  /** `count` notes: one message-sent event each at the buyer, in the order sent. */
  async send(count: number, chosen: string[] = []): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = chosen[i] ?? randomUUID();
      const { status } = await api.sendMessage('buyer', {
        id,
        processId: this.processId,
        pinned: false,
        data: { n: i },
      });
      expect(status).toBeLessThan(300);
      ids.push(id);
    }
    return ids;
  }
}

export async function createSub(body: Record<string, unknown>): Promise<Subscription> {
  const { status, body: sub } = await api.request<Subscription>('buyer', SUBS, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(status).toBe(201);
  return sub;
}

export async function getSub(id: string): Promise<Subscription> {
  return (await api.request<Subscription>('buyer', `${SUBS}/${id}`)).body;
}

export async function waitFor<T>(
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

export const noteIds = (events: Delivered[]) => events.map((e) => e.data?.id);

/** The subscriptions a test file made, to delete after it. */
export class OwnSubscriptions {
  readonly ids: string[] = [];

  async create(body: Record<string, unknown>): Promise<Subscription> {
    const created = await createSub(body);
    this.ids.push(created.id);
    return created;
  }

  async deleteAll(): Promise<void> {
    for (const id of this.ids) await api.fetch('buyer', `${SUBS}/${id}`, { method: 'DELETE' });
  }
}
