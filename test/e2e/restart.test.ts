import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreedView, Api, type ProcessView } from './api.js';
import { MEMBERS, NetworkProcess, type Member } from './network-process.js';
import { RESTART_PORTS } from './ports.js';
import { wipeNetworkDatabases } from '../support/member-database.js';

const api = new Api(RESTART_PORTS);
const FINAL = ['completed', 'compensated', 'failed'];

async function eventCount(member: Member): Promise<number> {
  const { body } = await api.request<{ sequence: number }[]>(member, '/api/v1/namespaces/default/events?limit=1000');
  expect(body.map((e) => e.sequence)).toEqual(body.map((_, i) => i + 1)); // gap-free from 1
  return body.length;
}

// A network of its own: this file stops, kills and restarts it.
describe('a second start reuses what is there', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-restart-'));
  let network: NetworkProcess;
  let first: Record<Member, ProcessView>;

  beforeAll(async () => {
    network = await NetworkProcess.start(RESTART_PORTS, dataDir);
    const started = await api.startTrade(500);
    first = await api.settled(started.id, FINAL);
  });

  afterAll(async () => {
    await network?.kill();
    if (process.env.BATON_KEEP_E2E_DATA) console.log(`restart test data kept in ${dataDir}`);
    else {
      rmSync(dataDir, { recursive: true, force: true });
      if (network) await wipeNetworkDatabases(network.database, MEMBERS);
    }
  });

  it('after Ctrl-C: same contract, same history, and the ledger goes on', async () => {
    const before = await Promise.all(MEMBERS.map(eventCount));
    await network.interrupt();
    network = await NetworkProcess.start(RESTART_PORTS, dataDir);
    expect(network.log()).toContain('(reused)');
    expect(network.log()).not.toContain('Sequencer deployed');
    for (const m of MEMBERS) expect(agreedView((await api.process(m, first.buyer.id))!)).toEqual(agreedView(first[m]));
    expect(await Promise.all(MEMBERS.map(eventCount))).toEqual(before);

    const next = await api.startTrade(600, 'seller');
    const views = await api.settled(next.id, FINAL);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
    const lastPin = Math.max(...first.buyer.steps.map((s) => s.pin!));
    expect(views.buyer.startPin!).toBeGreaterThan(lastPin);
  });

  it('after everything was killed mid-saga: the processes in flight carry on to the same end everywhere', async () => {
    const inFlight = await Promise.all([
      api.startTrade(800),
      api.startTrade(1_200_000, 'bank'),
      api.startTrade(900, 'seller'),
    ]);
    await new Promise((r) => setTimeout(r, 1_500)); // let some steps happen, not all
    await network.kill();
    network = await NetworkProcess.start(RESTART_PORTS, dataDir);
    const settled = await Promise.all(inFlight.map((p) => api.settled(p.id, FINAL, 120_000)));
    expect(settled.map((v) => v.buyer.status)).toEqual(['completed', 'compensated', 'completed']);
    for (const views of settled) {
      expect(agreedView(views.seller)).toEqual(agreedView(views.buyer));
      expect(agreedView(views.bank)).toEqual(agreedView(views.buyer));
    }
    // Effects happened once each despite the crash: the buyer placed and confirmed the first order once.
    expect(settled[0].buyer.effects.map((e) => `${e.kind}:${e.step}`).sort()).toEqual([
      'action:confirm-receipt',
      'action:place-order',
    ]);
    await Promise.all(MEMBERS.map(eventCount));
  });

  it('after only the launcher was killed: a new start stops what it left running and carries on', async () => {
    const inFlight = await api.startTrade(1_000);
    await network.killLauncherOnly();
    network = await NetworkProcess.start(RESTART_PORTS, dataDir);
    expect(network.log()).toMatch(/stopping \d+ process\(es\) left running by an earlier start/);
    const views = await api.settled(inFlight.id, FINAL, 120_000);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
  });
});
