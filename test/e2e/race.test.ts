import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Api, type ProcessView } from './api.js';
import { MEMBERS } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
/** How many processes race; 200 by default, fewer for a quick local run. */
const N = Number(process.env.BATON_RACE_PROCESSES ?? 200);

interface Frame {
  type: string;
  reference?: string;
  data?: { step?: string };
}

describe('races decided by ledger order alone', () => {
  it(`${N} cancels, each fired from the bank the moment the seller ships, end the same at every member`, async () => {
    // The seller's own feed tells when it shipped; the bank's cancel then races the buyer's final step.
    const ws = new WebSocket(`${api.url('seller').replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(
      JSON.stringify({ type: 'start', namespace: 'default', ephemeral: true, filter: { events: '^step-done$' } }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const ids = new Set<string>();
    const cancels: Promise<{ status: number; body: { outcome?: string } }>[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as Frame;
      if (frame.data?.step !== 'ship' || !frame.reference || !ids.has(frame.reference)) return;
      cancels.push(
        api.request('bank', `/api/v1/processes/${frame.reference}/cancel`, {
          method: 'POST',
          body: JSON.stringify({ reason: 'race' }),
        }),
      );
    });

    const started: ProcessView[] = [];
    for (let i = 0; i < N; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, N - i) }, (_, k) => api.startTrade(100 + i + k, MEMBERS[(i + k) % 3])),
      );
      for (const p of batch) ids.add(p.id);
      started.push(...batch);
    }
    const settled = await Promise.all(
      started.map((p) => api.settled(p.id, ['completed', 'compensated', 'failed'], 600_000)),
    );
    const answers = await Promise.all(cancels);
    ws.close();

    expect(cancels.length).toBe(N); // every process shipped, and every ship drew a cancel
    for (const a of answers) expect([200, 202, 409]).toContain(a.status);
    const outcomes = { completed: 0, compensated: 0 };
    for (const views of settled) {
      const digests = MEMBERS.map((m) => (views[m] as ProcessView & { digest: string }).digest);
      expect(new Set(digests).size).toBe(1);
      expect(digests[0]).toMatch(/^0x[0-9a-f]{64}$/);
      const status = views.buyer.status as 'completed' | 'compensated';
      expect(['completed', 'compensated']).toContain(status);
      for (const m of MEMBERS) expect(views[m].status).toBe(status);
      outcomes[status] += 1;
    }
    console.log(`race outcomes over ${N} processes:`, outcomes);
  }, 900_000);
});
