import { Wallet } from 'ethers';
import { In, type DataSource } from 'typeorm';
import { describe, expect, inject, it } from 'vitest';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { LedgerPinRecord, PrivateMessageRecord } from '../../apps/shared/db/entities.js';
import { signRequest } from '../../apps/shared/exchange/signing.js';
import { openMemberDatabase } from '../support/member-database.js';
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

/** A member's own database (SQLite or PostgreSQL, as the run uses), opened beside its running node. */
async function withMemberDb<T>(member: Member, work: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = await openMemberDatabase(inject('e2eDatabase'), member);
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

/** The hashes of a process's private messages at a member (its pins carry them). */
async function messageHashes(ds: DataSource, processId: string, author?: string): Promise<string[]> {
  const rows = await ds.getRepository(PrivateMessageRecord).findBy({ processId, ...(author ? { author } : {}) });
  return rows.map((r) => r.hash);
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
      const { affected } = await withMemberDb(m, async (ds) =>
        ds
          .getRepository(LedgerPinRecord)
          .update({ hash: In(await messageHashes(ds, started.id)) }, { state: 'pending' }),
      );
      expect(affected).toBeGreaterThanOrEqual(6);
    }
    // A peer sends every message of the process again, properly signed.
    const bodies = await withMemberDb('seller', (ds) =>
      ds
        .getRepository(PrivateMessageRecord)
        .find({ select: { body: true }, where: { processId: started.id, author: 'seller' } }),
    );
    expect(bodies.length).toBe(2); // reserve-stock and ship
    const wallet = new Wallet(DEV_ACCOUNTS[2].privateKey);
    for (const { body } of bodies) {
      const res = await fetch(`${api.url('buyer')}/api/v1/network/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signRequest(wallet, 'seller', body) },
        body,
      });
      expect(res.status).toBe(200);
    }

    await waitFor(async () => {
      for (const m of MEMBERS) {
        const pending = await withMemberDb(m, async (ds) =>
          ds
            .getRepository(LedgerPinRecord)
            .countBy({ hash: In(await messageHashes(ds, started.id)), state: 'pending' }),
        );
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
