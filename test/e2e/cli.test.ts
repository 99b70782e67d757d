import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayUrl } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const BATON = fileURLToPath(new URL('../../bin/baton.mjs', import.meta.url));
const GATEWAY = gatewayUrl(E2E_PORTS, 'buyer');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (`node bin/baton.mjs …`), against the e2e network's buyer gateway. */
function baton(args: string[], gateway = GATEWAY): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BATON, ...args],
      { env: { ...process.env, BATON_GATEWAY: gateway }, timeout: 150_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const trade = (amount: number) => JSON.stringify({ item: 'steel', quantity: 10, amount });

describe('the baton command line', () => {
  const ids: string[] = [];

  it('starts a process and watches it to completed, with a ledger pin on every step', async () => {
    const run = await baton(['start', 'trade-settlement', '--input', trade(500), '--watch']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = UUID.exec(run.stdout)![0];
    ids.push(id);
    expect(run.stdout.split('\n')[0]).toBe(id);
    expect(run.stdout).toContain(`process ${id} (trade-settlement): completed`);
    for (const step of ['place-order', 'reserve-stock', 'approve-financing', 'ship', 'confirm-receipt'])
      expect(run.stdout).toMatch(new RegExp(`${step}\\s+\\S+\\s+done\\s+pin \\d+`));
  });

  it('watches a rejected process to compensated, naming the reason', async () => {
    const started = await baton(['start', 'trade-settlement', '--input', trade(2_000_000)]);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(UUID);
    ids.push(id);
    const run = await baton(['watch', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`process ${id} (trade-settlement): compensated`);
    expect(run.stdout).toMatch(/reserve-stock\s+\S+\s+compensated\s+pin \d+, compensation pin \d+/);
    expect(run.stdout).toContain("reason: amount 2000000 exceeds the buyer's credit limit of 1000000 (by bank)");
  });

  it('lists the processes as JSON, and shows one with its Temporal UI link', async () => {
    const list = await baton(['list', '--json', '--type', 'trade-settlement']);
    expect(list.code).toBe(0);
    const listed = (JSON.parse(list.stdout) as { items: { id: string }[] }).items.map((p) => p.id);
    expect(listed).toEqual(expect.arrayContaining(ids));
    const get = await baton(['get', ids[0]]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/digest:\s+0x[0-9a-f]{64}/);
    expect(get.stdout).toContain(`workflows/trade-settlement%2F${ids[0]}%2Fbuyer`);
  });

  it('shows three ready members', async () => {
    const run = await baton(['network']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 of 3 members ready');
    for (const member of ['buyer', 'seller', 'bank']) expect(run.stdout).toMatch(new RegExp(`${member}.*\\sready\\s`));
  });

  it('prints the API error and exits 1 for input the process type refuses', async () => {
    const run = await baton(['start', 'trade-settlement', '--input', '{"item":"steel"}']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error invalid-input: /);
    expect(run.stdout).toBe('');
  });

  it('says the gateway is not reachable and how to start the network', async () => {
    const run = await baton(['list', '--gateway', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error gateway-unreachable: the gateway at http://127.0.0.1:9 is not reachable');
    expect(run.stderr).toContain('npm start');
  });
});
