import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../apps/shared/paths.js';

/**
 * docs/examples/two-members as documented: scripts/two-members.ts with the
 * env files, every port moved away from test/e2e/ports.ts (4xxxx).
 */
const OFFSET = 40_000 + Number(process.env.BATON_E2E_PORT_OFFSET ?? 0);
const gateway = (member: 'alice' | 'bob') => `http://127.0.0.1:${(member === 'alice' ? 4101 : 4102) + OFFSET}`;

interface View {
  id: string;
  status: string;
  member: string;
  digest: string;
  steps: { name: string; member: string; status: string }[];
}

async function view(member: 'alice' | 'bob', id: string): Promise<View | undefined> {
  const res = await fetch(`${gateway(member)}/api/v1/processes/${id}`);
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
      headers: { 'content-type': 'application/json' },
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
});
