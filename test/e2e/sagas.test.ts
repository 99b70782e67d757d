import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Wallet } from 'ethers';
import { describe, expect, inject, it } from 'vitest';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { signRequest } from '../../apps/shared/exchange/signing.js';
import { agreedView, Api, type ProcessView } from './api.js';
import { MEMBERS, type Member } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
const FINAL = ['completed', 'compensated', 'failed'];
const LOAN_PARTICIPANTS = { arranger: 'bank', lender1: 'buyer', lender2: 'seller' };

async function startLoan(input: Record<string, unknown>, member: Member = 'bank'): Promise<ProcessView> {
  const { status, body } = await api.request<ProcessView>(member, '/api/v1/processes', {
    method: 'POST',
    body: JSON.stringify({ type: 'loan-syndication', input, participants: LOAN_PARTICIPANTS }),
  });
  if (status !== 202) throw new Error(`start failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** A member's own database, opened beside its running node (SQLite, WAL). */
function memberDb(member: Member): DatabaseSync {
  const db = new DatabaseSync(join(inject('e2eDataDir'), 'members', member, 'baton.sqlite'));
  db.exec('PRAGMA busy_timeout = 10000');
  return db;
}

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('sagas across three members', () => {
  it('rejection without feedback: a deadline passes, the first timeout pinned decides, every member compensates', async () => {
    const started = await startLoan({ borrower: 'slowpoke', amount: 500_000, approvalDeadlineSeconds: 3 });
    const views = await api.settled(started.id, FINAL, 90_000);
    for (const m of MEMBERS) {
      expect(views[m].status).toBe('compensated');
      expect(views[m].reason).toMatch(/^the deadline of step approve-lender[12] passed$/);
    }
    expect(agreedView(views.buyer)).toEqual(agreedView(views.bank));
    expect(agreedView(views.seller)).toEqual(agreedView(views.bank));
    const effects = views.bank.effects.map((e) => `${e.kind}:${e.step}`).sort();
    expect(effects).toEqual(['action:propose-terms', 'compensation:propose-terms']);
  });

  it('duplicate ledger deliveries and duplicate private messages change nothing', async () => {
    const started = await api.startTrade(321);
    const before = await api.settled(started.id, FINAL);
    const eventsBefore = await Promise.all(MEMBERS.map((m) => eventsOf(m, started.id)));

    // The listener delivers every pin of the process again, at every member.
    for (const m of MEMBERS) {
      const db = memberDb(m);
      const changed = db
        .prepare(
          `UPDATE ledger_pins SET state = 'pending' WHERE hash IN (SELECT hash FROM private_messages WHERE processId = ?)`,
        )
        .run(started.id).changes;
      expect(changed).toBeGreaterThanOrEqual(6);
      db.close();
    }
    // A peer sends every message of the process again, properly signed.
    const seller = memberDb('seller');
    const bodies = seller
      .prepare(`SELECT body FROM private_messages WHERE processId = ? AND author = 'seller'`)
      .all(started.id) as unknown as { body: string }[];
    seller.close();
    expect(bodies.length).toBe(2); // reserve-stock and ship
    const wallet = new Wallet(DEV_ACCOUNTS[2].privateKey);
    for (const { body } of bodies) {
      const res = await fetch(`${api.url('buyer')}/api/v1/network/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await signRequest(wallet, 'seller', body)) },
        body,
      });
      expect(res.status).toBe(200);
    }

    await waitFor(() => {
      for (const m of MEMBERS) {
        const db = memberDb(m);
        const { pending } = db
          .prepare(
            `SELECT count(*) AS pending FROM ledger_pins p JOIN private_messages m ON m.hash = p.hash WHERE m.processId = ? AND p.state = 'pending'`,
          )
          .get(started.id) as unknown as { pending: number };
        db.close();
        if (pending > 0) return undefined;
      }
      return true;
    }, 'the pins to be delivered again');
    for (const [i, m] of MEMBERS.entries()) {
      const after = (await api.process(m, started.id))!;
      expect(agreedView(after)).toEqual(agreedView(before[m]));
      expect(after.effects).toEqual(before[m].effects);
      expect(await eventsOf(m, started.id)).toEqual(eventsBefore[i]);
    }
  });
});

async function eventsOf(member: Member, processId: string): Promise<string[]> {
  const { body } = await api.request<{ sequence: number; type: string }[]>(
    member,
    `/api/v1/namespaces/default/events?reference=${processId}&limit=1000`,
  );
  return body.map((e) => `${e.sequence}:${e.type}`);
}
