import { describe, expect, it } from 'vitest';
import { agreedView, Api } from './api.js';
import { MEMBERS } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);

const effectsOf = (view: { effects: { step: string; kind: string }[] }) =>
  view.effects.map((e) => `${e.kind}:${e.step}`).sort();

describe('trade-settlement on the local network', () => {
  it('completes at all three members with the same outcomes and ledger pins, each effect once', async () => {
    const started = await api.startTrade(500);
    expect(started.status).toBe('running');
    const views = await api.settled(started.id, ['completed', 'compensated', 'failed']);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
    expect(agreedView(views.seller)).toEqual(agreedView(views.buyer));
    expect(agreedView(views.bank)).toEqual(agreedView(views.buyer));
    const pins = views.buyer.steps.map((s) => s.pin!);
    expect(pins.every((p) => Number.isInteger(p) && p > views.buyer.startPin!)).toBe(true);
    expect([...pins].sort((a, b) => a - b)).toEqual(pins); // ledger order is step order
    expect(effectsOf(views.buyer)).toEqual(['action:confirm-receipt', 'action:place-order']);
    expect(effectsOf(views.seller)).toEqual(['action:reserve-stock', 'action:ship']);
    expect(effectsOf(views.bank)).toEqual(['action:approve-financing']);
    expect(views.bank.workflow.workflowId).toBe(`trade-settlement/${started.id}/bank`);
  });

  it("compensates at all three members when the bank rejects, with the bank's reason, each compensation once", async () => {
    const started = await api.startTrade(2_000_000);
    const views = await api.settled(started.id, ['completed', 'compensated', 'failed']);
    for (const m of MEMBERS) {
      expect(views[m].status).toBe('compensated');
      expect(views[m].reason).toBe("amount 2000000 exceeds the buyer's credit limit of 1000000");
      expect(views[m].rejectedBy).toBe('bank');
    }
    expect(agreedView(views.seller)).toEqual(agreedView(views.buyer));
    expect(agreedView(views.bank)).toEqual(agreedView(views.buyer));
    const [order, stock, financing, ship] = views.buyer.steps;
    expect([order.status, stock.status, financing.status, ship.status]).toEqual([
      'compensated',
      'compensated',
      'rejected',
      'pending',
    ]);
    // Reverse order on the ledger: the stock is released before the order is cancelled.
    expect(stock.compensationPin!).toBeGreaterThan(financing.pin!);
    expect(order.compensationPin!).toBeGreaterThan(stock.compensationPin!);
    expect(effectsOf(views.buyer)).toEqual(['action:place-order', 'compensation:place-order']);
    expect(effectsOf(views.seller)).toEqual(['action:reserve-stock', 'compensation:reserve-stock']);
    expect(effectsOf(views.bank)).toEqual([]);
  });

  it('takes 20 processes started at once, mixed amounts, each to the right final state at every member', async () => {
    const amounts = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 1_500_000 + i : 100 + i));
    const starters = ['buyer', 'seller', 'bank'] as const;
    const started = await Promise.all(amounts.map((a, i) => api.startTrade(a, starters[i % 3])));
    const settled = await Promise.all(
      started.map((p) => api.settled(p.id, ['completed', 'compensated', 'failed'], 150_000)),
    );
    settled.forEach((views, i) => {
      const expected = amounts[i] > 1_000_000 ? 'compensated' : 'completed';
      for (const m of MEMBERS) expect(views[m].status, `process ${i} at ${m}`).toBe(expected);
      expect(agreedView(views.seller)).toEqual(agreedView(views.buyer));
      expect(agreedView(views.bank)).toEqual(agreedView(views.buyer));
    });
    // Every process has its own pins: no pin is shared between two processes.
    const allPins = settled.flatMap((v) => v.buyer.steps.flatMap((s) => [s.pin, s.compensationPin]).filter(Boolean));
    expect(new Set(allPins).size).toBe(allPins.length);
  });
});
