import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { bearer, jwt, READER, WRITER, type TwoMemberNetwork } from '../e2e/two-member-network.js';
import { startTrade } from '../e2e/two-member-network.js';
import { errorOf, expectStillServing } from './serving.js';

/**
 * Issue 25, item 6: floods, costly reads, unpaged lists and bodies that
 * answered 500. The attack network sets RATE_LIMIT_APP_REQUESTS to 500 (in
 * app-attacks.test.ts) so that a bounded flood passes it; the anonymous
 * limit is the default, 300 per 10 s.
 */
const NS = 'default';

/** A JWT of an app of alice's identity provider of its own, so that its flood counts against nobody else. */
const aliceApp = (sub: string, scope: string) =>
  jwt({ sub, scope, iss: 'alice-idp', exp: Math.floor(Date.now() / 1000) + 3600 });

interface Flood {
  statuses: number[];
  /** The first 429: its error body and Retry-After, in seconds. */
  refused?: { code: string; message: string; retryAfter: number };
}

/** Sends `send` from `concurrency` loops until the first 429, `max` requests or `timeMs`, whichever comes first. */
async function flood(send: () => Promise<Response>, max: number, { concurrency = 25, timeMs = 20_000 } = {}) {
  const result: Flood = { statuses: [] };
  const deadline = Date.now() + timeMs;
  let sent = 0;
  const loop = async () => {
    while (!result.refused && sent < max && Date.now() < deadline) {
      sent += 1;
      const res = await send();
      result.statuses.push(res.status);
      if (res.status === 429 && !result.refused)
        result.refused = { ...(await errorOf(res)), retryAfter: Number(res.headers.get('retry-after')) };
      else await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return result;
}

/** Waits out a 429's Retry-After, so that later attacks find the client served again. */
const waitOut = (refused: Flood['refused']) => sleep((refused!.retryAfter + 1) * 1000);

/** The raw answer of alice's gateway to raw bytes (what fetch would refuse to send). */
function rawExchange(network: TwoMemberNetwork, raw: Buffer): Promise<{ status: number; body: string }> {
  const url = new URL(network.gateway('alice'));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(raw));
    let answer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (answer = Buffer.concat([answer, chunk])));
    socket.on('close', () => {
      const text = answer.toString('utf8');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
      });
    });
    socket.on('error', reject);
  });
}

export function limitAttacks(network: () => TwoMemberNetwork): void {
  describe('floods, costly reads, unpaged lists and bodies that answered 500 (limits.ts)', () => {
    const alice = () => network().gateway('alice');

    it('a flood without credentials gets 429 with Retry-After (refused credentials too), while apps are served', async () => {
      const { statuses, refused } = await flood(
        () => fetch(`${alice()}/api/v1/processes`, { headers: bearer('not-a-key') }),
        1_000,
      );
      expect(refused, `no 429 in ${statuses.length} requests`).toBeDefined();
      expect(new Set(statuses)).toEqual(new Set([401, 429]));
      expect(refused!.code).toBe('too-many-requests');
      expect(refused!.retryAfter).toBeGreaterThanOrEqual(1);
      // The address is refused on every route it may use without credentials; apps are not.
      expect((await fetch(`${alice()}/api/v1/status`)).status).toBe(429);
      expect((await fetch(`${alice()}/api/v1/processes?limit=1`, { headers: bearer(WRITER.alice) })).status).toBe(200);
      expect((await fetch(`${alice()}/healthz`)).status).toBe(200);
      await waitOut(refused);
      expect((await fetch(`${alice()}/api/v1/status`)).status).toBe(200);
      await expectStillServing(network());
    });

    it('a flood from one read-scope app gets 429, while another app is served', async () => {
      const flooder = bearer(aliceApp('flooder', 'read'));
      const { statuses, refused } = await flood(
        () => fetch(`${alice()}/api/v1/process-types`, { headers: flooder }),
        1_500,
      );
      expect(refused, `no 429 in ${statuses.length} requests`).toBeDefined();
      expect(new Set(statuses)).toEqual(new Set([200, 429]));
      expect(refused!.message).toMatch(/^app "flooder" made more than \d+ requests/);
      expect((await fetch(`${alice()}/api/v1/process-types`, { headers: flooder })).status).toBe(429);
      for (const other of [bearer(READER), bearer(aliceApp('bystander', 'read')), bearer(WRITER.alice)])
        expect((await fetch(`${alice()}/api/v1/process-types`, { headers: other })).status).toBe(200);
      await waitOut(refused);
      expect((await fetch(`${alice()}/api/v1/process-types`, { headers: flooder })).status).toBe(200);
      await expectStillServing(network());
    });

    it('a crowd asking for /api/v1/status and /readyz shares one probe a second', async () => {
      const began = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          fetch(`${alice()}/${i % 2 ? 'readyz' : 'api/v1/status'}`, { signal: AbortSignal.timeout(30_000) }).then(
            async (res) => ({ status: res.status, body: (await res.json()) as { checkedAt?: string } }),
          ),
        ),
      );
      const seconds = (Date.now() - began) / 1000;
      expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
      // Each probe stamps its answer: without sharing, a hundred stamps.
      const probes = new Set(answers.filter((a) => a.body.checkedAt).map((a) => a.body.checkedAt));
      expect(probes.size).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
      await expectStillServing(network());
    });

    it('pages dead letters by after and limit, at most 1000 a page', async () => {
      const writer = { 'content-type': 'application/json', ...bearer(WRITER.alice) };
      const id = await startTrade(network());
      // Every event of that process goes to a closed port once, then to the dead letters.
      const created = await fetch(`${alice()}/api/v1/namespaces/${NS}/subscriptions`, {
        method: 'POST',
        headers: writer,
        body: JSON.stringify({
          name: `dead-letters-${id.slice(0, 8)}`,
          transport: 'webhooks',
          filter: { reference: `^${id}$` },
          options: { url: 'http://127.0.0.1:9/hook', firstEvent: 'oldest', retry: { count: 1 }, requestTimeout: '1s' },
        }),
      });
      expect(created.status).toBe(201);
      const sub = (await created.json()) as { id: string };
      const letters = `${alice()}/api/v1/namespaces/${NS}/subscriptions/${sub.id}/deadletters`;
      const page = async (query: string) => {
        const res = await fetch(`${letters}${query}`, { headers: bearer(READER) });
        return { status: res.status, body: (await res.json()) as { sequence: number }[] };
      };
      // Until the process's events are all in: at least three dead letters, unchanged for a second.
      const deadline = Date.now() + 90_000;
      let all: { sequence: number }[] = [];
      for (let previous = ''; Date.now() < deadline; await sleep(1_000)) {
        all = (await page('?limit=1000')).body;
        if (all.length >= 3 && JSON.stringify(all) === previous) break;
        previous = JSON.stringify(all);
      }
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect((await page('')).body).toEqual(all.slice(0, 100));
      expect((await page('?limit=2')).body).toEqual(all.slice(0, 2));
      expect((await page(`?after=${all[1].sequence}&limit=1`)).body).toEqual([all[2]]);
      expect((await page(`?after=${all.at(-1)!.sequence}`)).body).toEqual([]);
      for (const bad of ['?limit=1001', '?limit=0', '?after=-1', '?limit=x'])
        expect((await page(bad)).status, bad).toBe(400);
      await fetch(`${alice()}/api/v1/namespaces/${NS}/subscriptions/${sub.id}`, {
        method: 'DELETE',
        headers: bearer(WRITER.alice),
      });
      await expectStillServing(network());
    });

    it('JSON nested 10,000 deep gets 400 on every kind of route, and the gateways stay up', async () => {
      const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
      const body = `{"type":"trade-settlement","input":${deep(10_000)}}`;
      const targets: [string, Record<string, string>][] = [
        ['/api/v1/processes', bearer(WRITER.alice)],
        [`/api/v1/namespaces/${NS}/subscriptions`, bearer(WRITER.alice)],
        ['/api/v1/data', bearer(WRITER.alice)],
        // Member routes are public: the depth is refused before any signature is checked.
        ['/api/v1/network/messages', {}],
      ];
      for (const [path, headers] of targets) {
        const res = await fetch(`${alice()}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
        expect(res.status, path).toBe(400);
        expect((await errorOf(res)).code, path).toBe('json-too-deep');
      }
      await expectStillServing(network());
    });

    it('blob names outside Latin-1 are stored and served; headers Node cannot read get a JSON 4xx', async () => {
      const writer = bearer(WRITER.alice);
      const name = '日本語 レポート.json';
      const stored = await fetch(`${alice()}/api/v1/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...writer },
        body: JSON.stringify({ value: { a: 1 }, name }),
      });
      expect(stored.status).toBe(201);
      const { id } = (await stored.json()) as { id: string };
      const download = await fetch(`${alice()}/api/v1/data/${id}/blob`, { headers: writer });
      expect(download.status).toBe(200);
      const disposition = download.headers.get('content-disposition') ?? '';
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)?.[1] ?? '')).toBe(name);
      // A multipart file name arrives as UTF-8 bytes.
      const form = new FormData();
      form.append('file', new Blob(['hello']), '日本.txt');
      const uploaded = await fetch(`${alice()}/api/v1/data`, { method: 'POST', headers: writer, body: form });
      expect(uploaded.status).toBe(201);
      expect(((await uploaded.json()) as { name: string }).name).toBe('日本.txt');
      // A member push whose name header carries raw UTF-8 (not URI-encoded, as it must be).
      const push = await rawExchange(
        network(),
        Buffer.concat([
          Buffer.from(
            `POST /api/v1/network/blobs/0x${'a'.repeat(64)} HTTP/1.1\r\nhost: alice\r\ncontent-length: 3\r\n`,
          ),
          Buffer.from(`x-baton-blob-id: ${id}\r\nx-baton-blob-name: 日本.txt\r\nx-baton-member: bob\r\n`, 'utf8'),
          Buffer.from('connection: close\r\n\r\nabc'),
        ]),
      );
      expect(push.status).toBeGreaterThanOrEqual(400);
      expect(push.status).toBeLessThan(500);
      expect(JSON.parse(push.body)).toHaveProperty('error.code');
      for (const raw of [
        `GET /healthz HTTP/1.1\r\nhost: alice\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
        'POST /api/v1/processes HTTP/1.1\r\nhost: alice\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n',
      ]) {
        const answer = await rawExchange(network(), Buffer.from(raw));
        expect([400, 431]).toContain(answer.status);
        expect(JSON.parse(answer.body)).toHaveProperty('error.code');
      }
      await expectStillServing(network());
    });
  });
}
