import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { verifySignature } from '../../apps/gateway/events/delivery/webhooks/webhook-signature.js';
import { bearer, jwt, READER, WRITER, type TwoMemberNetwork } from '../e2e/two-member-network.js';
import { errorOf, expectStillServing } from './serving.js';

const SUBS = '/api/v1/namespaces/default/subscriptions';
const EVENTS = '/api/v1/namespaces/default/events';
/** WEBHOOK_MAX_CONCURRENT's default, 50: one subscription holds at most half. */
const SLOTS_PER_SUBSCRIPTION = 25;

interface Sub {
  id: string;
  name: string;
  offset: number;
  secret?: string;
  status?: { deadLetters: number };
}

/** A receiver on loopback (WEBHOOK_ALLOWED_HOSTS=127.0.0.1 in this network); `handle` answers. */
async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook` };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

/** A /ws client of alice's gateway: every frame it got. */
async function connect(network: TwoMemberNetwork, credential: string, query = '') {
  const ws = new WebSocket(`${network.ws('alice')}${query}`, { headers: bearer(credential) });
  const frames: { type?: string; error?: string; id?: string }[] = [];
  ws.on('message', (data) => frames.push(JSON.parse((data as Buffer).toString()) as (typeof frames)[number]));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames, send: (frame: object) => ws.send(JSON.stringify(frame)) };
}

/**
 * Webhooks an app points at the gateway's own network, deliveries replayed,
 * receivers that never answer, and apps with read scope taking the
 * deliveries of another app's durable subscription (issue 25, items 3 and 4).
 */
export function webhookAttacks(network: () => TwoMemberNetwork): void {
  const call = (credential: string, method: string, path: string, body?: unknown) =>
    fetch(`${network().gateway('alice')}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...bearer(credential) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const subscribe = async (body: object, credential = WRITER.alice): Promise<Sub> => {
    const res = await call(credential, 'POST', SUBS, body);
    expect(res.status, JSON.stringify(body)).toBe(201);
    return (await res.json()) as Sub;
  };
  const getSub = async (id: string): Promise<Sub> => (await (await call(READER, 'GET', `${SUBS}/${id}`)).json()) as Sub;
  const remove = async (id: string) => expect((await call(WRITER.alice, 'DELETE', `${SUBS}/${id}`)).status).toBe(204);
  const startTrade = async () => {
    const res = await call(WRITER.alice, 'POST', '/api/v1/processes', {
      type: 'trade-settlement',
      input: { item: 'steel', quantity: 1, amount: 10 },
      participants: { buyer: 'alice', seller: 'bob', bank: 'alice' },
    });
    expect(res.status).toBe(202);
  };

  describe('webhooks to internal addresses, replays and slow receivers', () => {
    it('refuses a webhook URL that is or resolves to an internal address, in any spelling (400)', async () => {
      const { server, url } = await listen((_req, res) => res.writeHead(200).end());
      const port = new URL(url).port;
      // Only 127.0.0.1 is listed: `localhost` resolves to it but is another host, and 127.0.0.2 another address.
      const internal = [
        `http://localhost:${port}/hook`,
        `http://LOCALHOST.:${port}/hook`,
        `http://127.0.0.2:${port}/hook`,
        `http://127.2:${port}/hook`,
        `http://0x7f000002:${port}/hook`,
        `http://2130706434:${port}/hook`,
        `http://[::1]:${port}/hook`,
        `http://[::ffff:127.0.0.2]:${port}/hook`,
        'http://169.254.169.254/latest/meta-data/',
        'http://[::ffff:169.254.169.254]/latest/meta-data/',
        'http://[fe80::1]/',
        'http://10.0.0.1/',
        'http://172.16.0.1/',
        'http://192.168.1.1/',
        'http://[fd00::1]/',
        'http://100.64.0.1/',
        'http://0.0.0.0/',
        'http://[::]/',
        'http://224.0.0.1/',
        'http://255.255.255.255/',
      ];
      try {
        for (const target of internal)
          for (const method of ['POST', 'PUT']) {
            const name = `ssrf-${randomUUID().slice(0, 8)}`;
            const res = await call(WRITER.alice, method, SUBS, {
              name,
              transport: 'webhooks',
              options: { url: target },
            });
            expect(res.status, `${method} ${target}`).toBe(400);
            const error = await errorOf(res);
            expect(error.code, `${method} ${target}`).toBe('webhook-address-refused');
            expect(error.message).toContain('WEBHOOK_ALLOWED_HOSTS');
            expect(await (await call(READER, 'GET', `${SUBS}?name=${name}`)).json()).toEqual([]);
          }
        // The listed address itself is taken.
        const allowed = await subscribe({
          name: `hook-${randomUUID().slice(0, 8)}`,
          transport: 'webhooks',
          options: { url },
        });
        await remove(allowed.id);
      } finally {
        await close(server);
      }
      await expectStillServing(network());
    });

    it('signs each delivery with its time: a captured delivery replayed later fails verifySignature', async () => {
      const got: { body: string; signature?: string }[] = [];
      const { server, url } = await listen((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          got.push({ body, signature: req.headers['x-baton-signature'] as string | undefined });
          res.writeHead(200).end();
        });
      });
      const sub = await subscribe({
        name: `signed-${randomUUID().slice(0, 8)}`,
        transport: 'webhooks',
        filter: { events: '^process-started$' },
        options: { url },
      });
      try {
        await startTrade();
        await vi.waitFor(() => expect(got.length).toBeGreaterThan(0), { timeout: 30_000, interval: 200 });
        const [{ body, signature }] = got;
        expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
        expect(verifySignature(sub.secret!, body, signature)).toBe(true);
        // The same bytes and header, sent again ten minutes later, or with the timestamp moved to now then.
        const later = Date.now() + 600_000;
        expect(verifySignature(sub.secret!, body, signature, { nowMs: later })).toBe(false);
        const moved = signature!.replace(/^t=\d+/, `t=${Math.floor(later / 1000)}`);
        expect(verifySignature(sub.secret!, body, moved, { nowMs: later })).toBe(false);
      } finally {
        await remove(sub.id);
        await close(server);
      }
      await expectStillServing(network());
    });

    it('holds a receiver that never answers to half the webhook slots, and serves the other subscriptions', async () => {
      // Enough events that a subscription from the oldest has more in flight than its share of the slots.
      for (let i = 0; i < 10; i++) {
        const events = (await (await call(READER, 'GET', `${EVENTS}?limit=1000`)).json()) as unknown[];
        if (events.length > 3 * SLOTS_PER_SUBSCRIPTION) break;
        await startTrade();
        await sleep(2_000);
      }
      let open = 0;
      let most = 0;
      const tarpit = await listen((_req, res) => {
        most = Math.max(most, ++open);
        res.on('close', () => (open -= 1));
      });
      const honestBodies: string[] = [];
      const honest = await listen((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          honestBodies.push(body);
          res.writeHead(200).end();
        });
      });
      const options = { firstEvent: 'oldest', readAhead: 1000, requestTimeout: '24h', retry: { count: 100 } };
      const stuck = await subscribe({
        name: `tarpit-${randomUUID().slice(0, 8)}`,
        transport: 'webhooks',
        options: { ...options, url: tarpit.url },
      });
      let served: Sub | undefined;
      try {
        await vi.waitFor(() => expect(open).toBe(SLOTS_PER_SUBSCRIPTION), { timeout: 30_000, interval: 100 });
        served = await subscribe({
          name: `served-${randomUUID().slice(0, 8)}`,
          transport: 'webhooks',
          options: { ...options, url: honest.url },
        });
        await vi.waitFor(() => expect(honestBodies.length).toBeGreaterThan(3 * SLOTS_PER_SUBSCRIPTION), {
          timeout: 20_000,
          interval: 200,
        });
        expect(most).toBe(SLOTS_PER_SUBSCRIPTION);
      } finally {
        await remove(stuck.id);
        if (served) await remove(served.id);
        await close(tarpit.server);
        await close(honest.server);
      }
      await expectStillServing(network());
    });
  });

  describe("another app's durable subscription, and webhook secrets", () => {
    it("refuses read scope attaching to, acking or nacking another app's subscription (403); its owner may", async () => {
      const sub = await subscribe({
        name: `owned-${randomUUID().slice(0, 8)}`,
        options: { firstEvent: 'oldest', readAhead: 5, retry: { count: 1 } },
      });
      const [event] = (await (await call(READER, 'GET', `${EVENTS}?limit=1`)).json()) as { id: string }[];
      const intruders = [
        await connect(network(), READER),
        await connect(network(), READER, `?name=${sub.name}&autoack`),
        await connect(
          network(),
          jwt({ sub: 'intruder', scope: 'read', iss: 'alice-idp', exp: Date.now() / 1000 + 60 }),
        ),
      ];
      try {
        for (const intruder of intruders) {
          intruder.send({ type: 'start', namespace: 'default', name: sub.name });
          for (const type of ['ack', 'nack']) {
            intruder.send({ type, id: event.id, subscription: { name: sub.name } });
            intruder.send({ type });
          }
        }
        await sleep(1_500);
        for (const { frames } of intruders) {
          expect(
            frames.filter((f) => f.type !== 'protocol_error'),
            'deliveries to an intruder',
          ).toEqual([]);
          // Acks and nacks may be answered before the start: it reads the subscription first.
          const refusals = frames.filter((f) => f.error?.startsWith('forbidden: '));
          expect(refusals.length, JSON.stringify(frames)).toBeGreaterThan(0);
          expect(refusals[0].error).toMatch(/^forbidden: app "[\w-]+" may not take the deliveries of subscription/);
        }
        expect(await getSub(sub.id)).toMatchObject({ offset: 0, status: { deadLetters: 0 } });

        // The app that created it may, with a read-only credential of its own.
        const owner = await connect(
          network(),
          jwt({ sub: 'alice-erp', scope: 'read', iss: 'alice-idp', exp: Date.now() / 1000 + 60 }),
        );
        try {
          owner.send({ type: 'start', namespace: 'default', name: sub.name });
          await vi.waitFor(() => expect(owner.frames.some((f) => f.type && f.type !== 'protocol_error')).toBe(true), {
            timeout: 10_000,
          });
          expect(owner.frames.filter((f) => f.type === 'protocol_error')).toEqual([]);
        } finally {
          owner.ws.close();
        }
      } finally {
        for (const { ws } of intruders) ws.close();
        await remove(sub.id);
      }
      await expectStillServing(network());
    });

    it('shows a webhook secret once, at creation: never in GET, list or PUT; a rotation shows the new one once', async () => {
      const { server, url } = await listen((_req, res) => res.writeHead(200).end());
      const name = `secret-${randomUUID().slice(0, 8)}`;
      const sub = await subscribe({ name, transport: 'webhooks', options: { url } });
      try {
        expect(sub.secret).toMatch(/^[0-9a-f]{64}$/);
        const shown = async () => {
          const texts = [
            await (await call(READER, 'GET', `${SUBS}/${sub.id}`)).text(),
            await (await call(WRITER.alice, 'GET', `${SUBS}?name=${name}`)).text(),
          ];
          return texts.filter((t) => t.includes('"secret"'));
        };
        expect(await shown()).toEqual([]);
        const put = await call(WRITER.alice, 'PUT', SUBS, {
          name,
          transport: 'webhooks',
          options: { url, readAhead: 3 },
        });
        expect(put.status).toBe(200);
        expect(await put.text()).not.toContain('"secret"');

        const byReader = await call(READER, 'POST', `${SUBS}/${sub.id}/secret`);
        expect([byReader.status, (await errorOf(byReader)).code]).toEqual([403, 'forbidden']);
        const rotated = await call(WRITER.alice, 'POST', `${SUBS}/${sub.id}/secret`);
        expect(rotated.status).toBe(201);
        const { secret } = (await rotated.json()) as { secret: string };
        expect(secret).toMatch(/^[0-9a-f]{64}$/);
        expect(secret).not.toBe(sub.secret);
        expect(await shown()).toEqual([]);
      } finally {
        await remove(sub.id);
        await close(server);
      }
      await expectStillServing(network());
    });
  });
}
