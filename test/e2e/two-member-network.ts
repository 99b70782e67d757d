import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseOptions } from '../../apps/shared/db/data-source.js';
import { memberDatabaseUrl } from '../../apps/shared/db/postgres.js';
import { projectPath } from '../../apps/shared/paths.js';

export type TwoMember = 'alice' | 'bob';

/** The demo-only credentials of docs/examples/two-members/*.env. */
export const WRITER: Record<TwoMember, string> = { alice: 'demo-only-alice-writer', bob: 'demo-only-bob-writer' };
/** alice's read-only key. */
export const READER = 'demo-only-alice-reader';
export const bearer = (credential: string): Record<string, string> => ({ authorization: `Bearer ${credential}` });

/** An HS256 JWT signed with alice's demo secret (or `secret`). */
export function jwt(claims: Record<string, unknown>, secret = 'demo-only-alice-jwt-secret'): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/**
 * docs/examples/two-members as documented (scripts/two-members.ts with the
 * env files): app authentication on, as in production. Every port moves by
 * `offset`, which must keep them below the kernel's ephemeral range (32768
 * and up, where a client's own port could take one). `env` adds settings
 * the env files leave out (the members' processes inherit the environment).
 */
export class TwoMemberNetwork {
  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
    private readonly offset: number,
  ) {}

  static async start(offset: number, env: Record<string, string> = {}): Promise<TwoMemberNetwork> {
    const shifted = offset + Number(process.env.BATON_E2E_PORT_OFFSET ?? 0);
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-two-members-'));
    const logFile = join(dataDir, 'two-members.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [projectPath('dist', 'scripts', 'two-members.js'), '--port-offset', String(shifted), '--data-dir', dataDir],
      { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } },
    );
    closeSync(fd);
    const network = new TwoMemberNetwork(child, dataDir, shifted);
    const deadline = Date.now() + 240_000;
    while (!network.log().includes('TWO MEMBERS READY')) {
      if (child.exitCode !== null) throw new Error(`two-members exited while starting:\n${network.log()}`);
      if (Date.now() > deadline) throw new Error(`two-members did not start in 240 s:\n${network.log()}`);
      await sleep(250);
    }
    return network;
  }

  /** The launcher's output (its members' logs are under `<dataDir>/logs`). */
  log(): string {
    return readFileSync(join(this.dataDir, 'two-members.log'), 'utf8');
  }

  /** A member's gateway log. */
  gatewayLog(member: TwoMember): string {
    try {
      return readFileSync(join(this.dataDir, 'logs', `${member}-gateway.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** A member's database, where the launcher put it (scripts/two-members.ts: memberEnv). */
  database(member: TwoMember): DatabaseOptions {
    const base = process.env.DATABASE_URL;
    return base
      ? { databaseUrl: memberDatabaseUrl(base, `${member}_${this.offset}`), sqlitePath: '' }
      : { databaseUrl: '', sqlitePath: join(this.dataDir, member, 'baton.sqlite') };
  }

  gateway(member: TwoMember): string {
    return `http://127.0.0.1:${(member === 'alice' ? 4101 : 4102) + this.offset}`;
  }

  ws(member: TwoMember): string {
    return `${this.gateway(member).replace('http', 'ws')}/ws`;
  }

  /** True once the launcher has exited (a member that kept failing stops it). */
  get exited(): boolean {
    return this.child.exitCode !== null;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      process.kill(-this.child.pid!, 'SIGINT');
      await exited;
    }
    if (process.env.BATON_KEEP_E2E_DATA) console.log(`two-members data kept in ${this.dataDir}`);
    else rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Starts a trade-settlement at alice with bob (alice's writer key) and returns its id; throws unless it is accepted (202). */
export async function startTrade(
  network: TwoMemberNetwork,
  input: Record<string, unknown> = { item: 'steel', quantity: 1, amount: 10 },
): Promise<string> {
  const res = await fetch(`${network.gateway('alice')}/api/v1/processes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(WRITER.alice) },
    body: JSON.stringify({
      type: 'trade-settlement',
      input,
      participants: { buyer: 'alice', seller: 'bob', bank: 'alice' },
    }),
  });
  const body = await res.text();
  if (res.status !== 202) throw new Error(`starting a trade at alice answered ${res.status}: ${body}`);
  return (JSON.parse(body) as { id: string }).id;
}
