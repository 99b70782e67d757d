import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearer, jwt, READER, startTrade, TwoMemberNetwork, WRITER, type TwoMember } from './two-member-network.js';

/** docs/examples/two-members as documented, every port moved by 20,000. */
let network: TwoMemberNetwork;
const gateway = (member: TwoMember) => network.gateway(member);

interface View {
  id: string;
  status: string;
  member: string;
  digest: string;
  steps: { name: string; member: string; status: string }[];
}

async function view(member: TwoMember, id: string): Promise<View | undefined> {
  const res = await fetch(`${gateway(member)}/api/v1/processes/${id}`, { headers: bearer(WRITER[member]) });
  return res.status === 200 ? ((await res.json()) as View) : undefined;
}

describe('two members on separate ports and databases (docs/examples/two-members)', () => {
  beforeAll(async () => {
    network = await TwoMemberNetwork.start(20_000);
  });

  afterAll(() => network?.stop());

  it('runs a trade-settlement between alice and bob to completion at both, with equal digests', async () => {
    const started = { id: await startTrade(network, { item: 'steel', quantity: 10, amount: 500 }) };
    const deadline = Date.now() + 120_000;
    let views: (View | undefined)[] = [];
    while (Date.now() < deadline) {
      views = await Promise.all([view('alice', started.id), view('bob', started.id)]);
      if (views.every((v) => v && v.status !== 'running' && v.status !== 'compensating')) break;
      await sleep(250);
    }
    const [alice, bob] = views;
    expect([alice?.status, bob?.status]).toEqual(['completed', 'completed']);
    expect(alice!.digest).toBe(bob!.digest);
    expect(alice!.steps.map((s) => s.member)).toEqual(['alice', 'bob', 'alice', 'bob', 'alice']);
  });

  describe('app authentication (APP_AUTH=on in the example)', () => {
    const start = (headers: Record<string, string>) =>
      fetch(`${gateway('alice')}/api/v1/processes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ type: 'no-such-type', input: {} }),
      });
    const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
    const now = () => Math.floor(Date.now() / 1000);

    it('refuses requests without credentials or with unknown ones, and changes nothing', async () => {
      const before = await (await fetch(`${gateway('alice')}/api/v1/processes`, { headers: bearer(READER) })).json();
      for (const headers of [{}, bearer('not-a-key'), { 'x-api-key': 'demo-only-bob-writer' }] as Record<
        string,
        string
      >[]) {
        const res = await start(headers);
        expect(res.status).toBe(401);
        expect(await errorCode(res)).toBe('unauthenticated');
      }
      const list = await fetch(`${gateway('alice')}/api/v1/processes`);
      expect(list.status).toBe(401);
      const after = await (await fetch(`${gateway('alice')}/api/v1/processes`, { headers: bearer(READER) })).json();
      expect(after).toEqual(before);
    });

    it('lets a read-only key read but not write; a writer gets through to the service', async () => {
      expect((await fetch(`${gateway('alice')}/api/v1/processes`, { headers: bearer(READER) })).status).toBe(200);
      const refused = await start(bearer(READER));
      expect(refused.status).toBe(403);
      expect(await errorCode(refused)).toBe('forbidden');
      // X-API-Key and Basic (FireFly SDK style, the password is the key) are accepted too.
      const basic = `Basic ${Buffer.from(`alice-erp:${WRITER.alice}`).toString('base64')}`;
      for (const headers of [{ 'x-api-key': WRITER.alice }, { authorization: basic }] as Record<string, string>[]) {
        const res = await start(headers);
        expect(res.status).toBe(404);
        expect(await errorCode(res)).toBe('unknown-process-type');
      }
    });

    it('accepts HS256 JWTs from the configured issuer with a scope, and refuses bad ones', async () => {
      const good = jwt({ sub: 'alice-portal', iss: 'alice-idp', scope: 'read write', exp: now() + 60 });
      expect((await start(bearer(good))).status).toBe(404);
      const readOnly = jwt({ sub: 'alice-portal', iss: 'alice-idp', scope: 'read', exp: now() + 60 });
      expect((await start(bearer(readOnly))).status).toBe(403);
      const cases: [string, string][] = [
        [jwt({ iss: 'alice-idp', scope: 'write', exp: now() - 10 }), 'token-expired'],
        [jwt({ iss: 'mallory-idp', scope: 'write', exp: now() + 60 }), 'invalid-token'],
        [jwt({ iss: 'alice-idp', scope: 'write', exp: now() + 60 }, 'guessed-secret'), 'invalid-token'],
        [jwt({ iss: 'alice-idp', scope: 'write' }), 'invalid-token'],
      ];
      for (const [token, code] of cases) {
        const res = await start(bearer(token));
        expect(res.status).toBe(401);
        expect(await errorCode(res)).toBe(code);
      }
    });

    it('keeps health, status and API documents public, and member-to-member routes on member signatures', async () => {
      for (const path of ['/healthz', '/api/v1/status', '/api/openapi.json', '/api/asyncapi.json'])
        expect((await fetch(`${gateway('alice')}${path}`)).status, path).toBe(200);
      const unsigned = await fetch(`${gateway('bob')}/api/v1/network/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(unsigned.status).toBe(401);
      expect(await errorCode(unsigned)).toBe('unsigned-request');
    });

    it('admits WebSocket clients only with a credential: header, Basic or access_token', async () => {
      const ws = `${gateway('alice').replace('http', 'ws')}/ws`;
      const outcome = (socket: WebSocket) =>
        new Promise<string>((resolve) => {
          socket.once('message', (data) => resolve(`frame ${(data as Buffer).toString().slice(0, 30)}`));
          socket.once('close', (code, reason) => resolve(`closed ${code} ${reason.toString()}`));
          socket.once('open', () =>
            socket.send(
              JSON.stringify({
                type: 'start',
                namespace: 'default',
                ephemeral: true,
                options: { firstEvent: 'oldest' },
              }),
            ),
          );
        });
      expect(await outcome(new WebSocket(ws))).toMatch(/^closed 1008 unauthenticated/);
      expect(await outcome(new WebSocket(`${ws}?access_token=not-a-key`))).toMatch(/^closed 1008 unauthenticated/);
      // Each socket is made only when awaited: its `open` must not pass before the listener is there.
      for (const connect of [
        () => new WebSocket(`${ws}?access_token=${READER}`),
        () => new WebSocket(ws, { headers: bearer(WRITER.alice) }),
        () => new WebSocket(ws, { auth: `alice-report:${READER}` }),
      ]) {
        const socket = connect();
        expect(await outcome(socket)).toMatch(/^frame /);
        socket.close();
      }
    });
  });
});
