import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../apps/gateway/events/delivery/webhooks/webhook-signature.js';
import {
  api,
  createSub,
  getSub,
  Notes,
  OwnSubscriptions,
  SUBS,
  waitFor,
  type Delivered,
} from './subscription-support.js';

// Delivery by webhook: signed POSTs, retries, batches, dead letters, and a gateway killed meanwhile.

const notes = new Notes();

// The trade whose notes both describe blocks below subscribe to.
beforeAll(() => notes.start());

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
  const subs = new OwnSubscriptions();

  beforeAll(async () => {
    receiver = new Receiver();
    url = await receiver.listen();
  });

  afterAll(async () => {
    await subs.deleteAll();
    await receiver.close();
  });

  it('POSTs signed events, retrying a 500 with backoff until a 2xx, and only then moves the offset', async () => {
    const s = await subs.create({
      name: `hook-${randomUUID().slice(0, 8)}`,
      transport: 'webhooks',
      filter: notes.filter,
      options: { url, readAhead: 1, retry: { count: 5, initialDelay: '50ms' } },
    });
    expect(s.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await getSub(s.id)).secret).toBeUndefined();
    receiver.answer = (_body, attempt) => (attempt <= 2 ? 500 : 200);
    const sent = await notes.send(2);
    await waitFor(() => (receiver.requests.length >= 6 ? true : undefined), 'six POSTs');
    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as Delivered);
    // A refused event waits for its retry without holding back the next one.
    for (const id of sent) expect(bodies.filter((b) => b.data?.id === id)).toHaveLength(3);
    await sleep(300);
    expect(receiver.requests).toHaveLength(6);
    for (const r of receiver.requests) {
      expect(r.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(s.secret!, r.body, r.signature)).toBe(true);
    }
    expect(verifySignature('not-the-secret', receiver.requests[0].body, receiver.requests[0].signature)).toBe(false);
    // The same delivery captured and sent again ten minutes later is refused.
    const replayedAt = Date.now() + 600_000;
    expect(
      verifySignature(s.secret!, receiver.requests[0].body, receiver.requests[0].signature, { nowMs: replayedAt }),
    ).toBe(false);
    expect(bodies[0].subscription.id).toBe(s.id);
    const last = Math.max(...bodies.map((b) => b.sequence));
    await waitFor(async () => ((await getSub(s.id)).offset >= last ? true : undefined), 'the offset');
    expect((await api.fetch('buyer', `${SUBS}/${s.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('delivers batches as arrays, and dead-letters what keeps failing', async () => {
    receiver.requests.length = 0;
    const chosen = [randomUUID(), randomUUID(), randomUUID()];
    receiver.answer = (body) => (body.includes(chosen[1]) ? 500 : 200);
    const s = await subs.create({
      name: `hook-batch-${randomUUID().slice(0, 8)}`,
      transport: 'webhooks',
      filter: notes.filter,
      options: { url, batch: true, readAhead: 1, batchSize: 10, retry: { count: 2, initialDelay: '50ms' } },
    });
    const sent = await notes.send(3, chosen);
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
      filter: notes.filter,
      options: { url, readAhead: 1, retry: { count: 50, initialDelay: '300ms', maxDelay: '1s' } },
    });
    try {
      const [delivered] = await notes.send(1);
      await waitFor(() => (receiver.requests.length >= 1 ? true : undefined), 'the first POST');
      const first = JSON.parse(receiver.requests[0].body) as Delivered;
      expect(first.data?.id).toBe(delivered);
      await waitFor(async () => ((await getSub(s.id)).offset >= first.sequence ? true : undefined), 'its offset');

      receiver.answer = () => 503;
      const [pending] = await notes.send(1);
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
