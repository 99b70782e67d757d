import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerDelivery } from '../../workflows/messages.js';
import { Api, type ProcessView } from './api.js';
import { E2E_LEDGER_HOLD_MS, MEMBERS } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
const FINAL = ['completed', 'compensated', 'failed'];
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: `127.0.0.1:${E2E_PORTS.temporal}` });
});
afterAll(async () => {
  await connection?.close();
});

interface Signal {
  /** The delivery indexes it carried. */
  indexes: number[];
  /** When Temporal recorded it, ms since the epoch. */
  at: number;
}

/** The ledger signals in a member's workflow history, oldest first. */
async function ledgerSignals(view: ProcessView): Promise<Signal[]> {
  const client = new Client({ connection, namespace: view.workflow.namespace });
  const history = await client.workflow.getHandle(view.workflow.workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== 'ledgerEvents') return [];
    const deliveries = defaultPayloadConverter.fromPayload<LedgerDelivery[]>(signal.input!.payloads![0]);
    const time = event.eventTime!;
    return [{ indexes: deliveries.map((d) => d.index), at: Number(time.seconds) * 1000 + (time.nanos ?? 0) / 1e6 }];
  });
}

const indexes = (signals: Signal[]) => signals.map((s) => s.indexes);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('ledger deliveries to the workflows', () => {
  it('holds the pins that ask nothing of a member and sends them with the next one that does', async () => {
    const started = await api.startTrade(700);
    const views = await api.settled(started.id, FINAL);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
    const signals = Object.fromEntries(
      await Promise.all(MEMBERS.map(async (m) => [m, await ledgerSignals(views[m])] as const)),
    );
    // Every member's workflow got each of the six pins once, in order, in fewer signals than pins.
    for (const m of MEMBERS) {
      expect(indexes(signals[m]).flat(), m).toEqual(upTo(6));
      expect(signals[m].length, m).toBeLessThan(6);
    }
    // The buyer acts on the start and on the shipment; the steps between are others'.
    expect(indexes(signals.buyer)).toEqual([[1], [2, 3, 4, 5], [6]]);
  });

  it(`sends a held pin on its own once it has waited LEDGER_HOLD_MS (${E2E_LEDGER_HOLD_MS} ms here)`, async () => {
    // A loan waits for its lenders' decisions; the arranger's own propose-terms asks nothing more of it.
    const { status, body } = await api.post<ProcessView>('bank', '/api/v1/processes', {
      type: 'loan-syndication',
      participants: { arranger: 'bank', lender1: 'buyer', lender2: 'seller' },
      input: { borrower: 'acme', amount: 1_000_000 },
    });
    expect(status).toBe(202);
    const arranger = (await api.process('bank', body.id))!;
    const deadline = Date.now() + 6 * E2E_LEDGER_HOLD_MS;
    let signals = await ledgerSignals(arranger);
    while (!signals.some((s) => s.indexes.includes(2))) {
      if (Date.now() > deadline)
        throw new Error(`propose-terms never reached the arranger's workflow: ${JSON.stringify(signals)}`);
      await sleep(500);
      signals = await ledgerSignals(arranger);
    }
    expect(indexes(signals)).toEqual([[1], [2]]);
    expect(signals[1].at - signals[0].at).toBeGreaterThan(0.8 * E2E_LEDGER_HOLD_MS);
    // The lenders decide; the arranger signs and disburses on the second approval.
    for (const [member, step] of [
      ['buyer', 'approve-lender1'],
      ['seller', 'approve-lender2'],
    ] as const) {
      const answer = await api.decide(member, body.id, step, true);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    const views = await api.settled(body.id, FINAL);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
    expect(indexes(await ledgerSignals(views.bank)).flat()).toEqual(upTo(views.bank.steps.length + 1));
  });
});
