import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { projectPath } from '../../apps/shared/paths.js';

/**
 * docs/examples/two-members as documented: scripts/two-members.ts with the
 * env files, every port moved by 20,000 (below the kernel's
 * ephemeral range, 32768 and up, where a client's own port could take it).
 */
const OFFSET = 20_000 + Number(process.env.BATON_E2E_PORT_OFFSET ?? 0);
const gateway = (member: 'alice' | 'bob') => `http://127.0.0.1:${(member === 'alice' ? 4101 : 4102) + OFFSET}`;

interface View {
  id: string;
  status: string;
  member: string;
  digest: string;
  steps: { name: string; member: string; status: string }[];
}

/** The demo-only credentials of docs/examples/two-members/*.env. */
const WRITER = { alice: 'demo-only-alice-writer', bob: 'demo-only-bob-writer' };
const READER = 'demo-only-alice-reader';
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

/** An HS256 JWT signed with alice's demo secret. */
function jwt(claims: Record<string, unknown>, secret = 'demo-only-alice-jwt-secret'): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

async function view(member: 'alice' | 'bob', id: string): Promise<View | undefined> {
  const res = await fetch(`${gateway(member)}/api/v1/processes/${id}`, { headers: bearer(WRITER[member]) });
  return res.status === 200 ? ((await res.json()) as View) : undefined;
}

describe('two members on separate ports and databases (docs/examples/two-members)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-two-members-'));
  const logFile = join(dataDir, 'two-members.log');
  const log = () => readFileSync(logFile, 'utf8');
  let child: ChildProcess;

  beforeAll(async () => {
    const fd = openSync(logFile, 'a');
    child = spawn(
      process.execPath,
      [projectPath('dist', 'scripts', 'two-members.js'), '--port-offset', String(OFFSET), '--data-dir', dataDir],
      { detached: true, stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    const deadline = Date.now() + 240_000;
    while (!log().includes('TWO MEMBERS READY')) {
      if (child.exitCode !== null) throw new Error(`two-members exited while starting:\n${log()}`);
      if (Date.now() > deadline) throw new Error(`two-members did not start in 240 s:\n${log()}`);
      await sleep(250);
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    }
    if (process.env.BATON_KEEP_E2E_DATA) console.log(`two-members data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a trade-settlement between alice and bob to completion at both, with equal digests', async () => {
    const res = await fetch(`${gateway('alice')}/api/v1/processes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(WRITER.alice) },
      body: JSON.stringify({
        type: 'trade-settlement',
        input: { item: 'steel', quantity: 10, amount: 500 },
        participants: { buyer: 'alice', seller: 'bob', bank: 'alice' },
      }),
    });
    const started = (await res.json()) as View;
    expect(res.status, JSON.stringify(started)).toBe(202);
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
