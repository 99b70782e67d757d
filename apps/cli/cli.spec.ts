import { describe, expect, it } from 'vitest';
import { hashApiKey, parseApiKeys, type ApiKeyEntry } from '../shared/app-keys.js';
import type { ProcessView } from '../shared/api/process-view.js';
import { run } from './cli.js';
import type { Io } from './command.js';
import { ProgressDisplay } from './progress.js';

function fakeIo(isTTY = false): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), isTTY, columns: 80 };
}

describe('run', () => {
  it('prints help for the CLI and for each command', async () => {
    const io = fakeIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(await run(['tail', '--help'], io)).toBe(0);
    expect(io.stdout[0]).toContain('Commands:');
    expect(io.stdout[1]).toContain('Durable named subscriptions');
  });

  it('exits 1 with a usage error before touching the network', async () => {
    const io = fakeIo();
    expect(await run(['decide', 'p1', 'ship'], io, { BATON_GATEWAY: 'http://127.0.0.1:9' })).toBe(1);
    expect(await run(['frobnicate'], io)).toBe(1);
    expect(io.stderr).toEqual([
      'error usage: give exactly one of --approve and --reject; see `baton decide --help`',
      'error usage: unknown command "frobnicate"; run `baton --help` for the commands',
    ]);
  });
});

describe('apikey', () => {
  it('makes a key whose hash is in the entry, and refuses unknown scopes', async () => {
    const io = fakeIo();
    expect(await run(['apikey', '--name', 'erp', '--scopes', 'read,write', '--json'], io)).toBe(0);
    const { key, entry } = JSON.parse(io.stdout[0]) as { key: string; entry: ApiKeyEntry };
    expect(entry).toEqual({ name: 'erp', scopes: ['read', 'write'], sha256: hashApiKey(key) });
    expect(parseApiKeys(JSON.stringify([entry]), 'APP_API_KEYS')).toEqual([entry]);
    expect(await run(['apikey', '--name', 'erp', '--scopes', 'admin'], io)).toBe(1);
    expect(io.stderr[0]).toContain('unknown scope admin');
  });
});

describe('ProgressDisplay', () => {
  const view = (status: string, pin?: number): ProcessView => ({
    id: 'p1',
    type: 't',
    status,
    member: 'a',
    initiator: 'a',
    participants: {},
    input: {},
    steps: [{ name: 's', owner: 'a', member: 'a', status: pin ? 'done' : 'pending', pin }],
    cancellations: [],
    digest: '0xabc',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    workflow: { namespace: 'a', workflowId: 'w', url: 'http://ui/w' },
  });

  it('appends only changed lines when not on a terminal', () => {
    const io = fakeIo();
    const display = new ProgressDisplay(io, false);
    display.show(view('running'));
    display.show(view('running'));
    display.show(view('completed', 4));
    expect(io.stdout).toEqual([
      'process p1 (t): running\n  s     a      pending      -',
      'process p1 (t): completed\n  s     a      done         pin 4',
    ]);
  });

  it('redraws the block in place on a terminal', () => {
    const io = fakeIo(true);
    const display = new ProgressDisplay(io, false);
    display.show(view('running'));
    display.show(view('completed', 4));
    expect(io.stdout[0].startsWith('process')).toBe(true);
    expect(io.stdout[1].startsWith('\x1b[2F\x1b[J')).toBe(true);
  });
});
