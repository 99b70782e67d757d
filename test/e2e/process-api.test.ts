import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Api, type ProcessView } from './api.js';
import { MEMBERS, type Member } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
const FINAL = ['completed', 'compensated', 'failed'];

interface View extends ProcessView {
  digest: string;
  failedStep?: string;
  cancellations: { requestedBy: string; reason: string; pin: number; outcome: string }[];
}
type Views = Record<Member, View>;
type ErrorBody = { error: { code: string; message: string; details?: unknown } };

const trade = (amount: number) => ({ type: 'trade-settlement', input: { item: 'steel', quantity: 10, amount } });
const loan = (extra: Record<string, unknown> = {}) => ({
  type: 'loan-syndication',
  participants: { arranger: 'bank', lender1: 'buyer', lender2: 'seller' },
  input: { borrower: 'acme', amount: 1_000_000, ...extra },
});

const start = (member: Member, body: unknown, query = '', headers?: Record<string, string>) =>
  api.post<View & ErrorBody>(member, `/api/v1/processes${query}`, body, headers);

async function startLoan(extra?: Record<string, unknown>): Promise<View> {
  const { status, body } = await start('bank', loan(extra));
  expect(status).toBe(202);
  return body;
}

const settled = async (id: string, statuses = FINAL) => (await api.settled(id, statuses)) as Views;
const total = async (type: string) =>
  (await api.request<{ total: number }>('buyer', `/api/v1/processes?type=${type}&limit=1`)).body.total;
const effectsOf = (view: View) => view.effects.map((e) => e.description);

function expectAgreement(views: Views): void {
  expect(views.seller.digest).toBe(views.buyer.digest);
  expect(views.bank.digest).toBe(views.buyer.digest);
  expect(views.buyer.digest).toMatch(/^0x[0-9a-f]{64}$/);
}

/** Decides as soon as the member's workflow waits for the decision (the start and earlier steps are pinned). */
async function decide(member: Member, id: string, step: string, approve: boolean, comment?: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await api.decide(member, id, step, approve, comment);
    const code = answer.body.error?.code;
    if ((code !== 'step-not-ready' && code !== 'unknown-process') || Date.now() > deadline) return answer;
    await sleep(300);
  }
}

/** Waits until `member` reports the step with the given status. */
async function stepReached(member: Member, id: string, step: string, status: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await api.process(member, id))?.steps.some((s) => s.name === step && s.status === status)) {
    if (Date.now() > deadline) throw new Error(`${step} never ${status} at ${member}`);
    await sleep(200);
  }
}

describe('Idempotency-Key on POST /processes', () => {
  it('starts one process for the same key and body sent twice', async () => {
    const before = await total('trade-settlement');
    const key = `twice-${randomUUID()}`;
    const first = await start('buyer', trade(101), '', { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await start('buyer', trade(101), '', { 'Idempotency-Key': key });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await total('trade-settlement')).toBe(before + 1);
  });

  it('starts one process for five identical concurrent requests', async () => {
    const before = await total('trade-settlement');
    const key = `concurrent-${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => start('buyer', trade(102), '', { 'Idempotency-Key': key })),
    );
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await total('trade-settlement')).toBe(before + 1);
  });

  it('refuses the same key with another body: 422 idempotency-key-reused', async () => {
    const key = `reused-${randomUUID()}`;
    expect((await start('buyer', trade(103), '', { 'Idempotency-Key': key })).status).toBe(202);
    const other = await start('buyer', trade(104), '', { 'Idempotency-Key': key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency-key-reused');
    const invalid = await start('buyer', trade(105), '', { 'Idempotency-Key': 'x'.repeat(201) });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid-idempotency-key');
  });
});

describe('request/reply and digests', () => {
  it('answers 200 with the completed process when confirm=true, and every member has the same digest', async () => {
    const { status, body } = await start('buyer', trade(500), '?confirm=true');
    expect(status).toBe(200);
    expect(body.status).toBe('completed');
    expectAgreement(await settled(body.id));
    // Too late to cancel a completed process.
    const cancel = await api.cancel('seller', body.id);
    expect(cancel.status).toBe(409);
    expect(['process-finished', 'too-late']).toContain(cancel.body.error?.code);
  });

  it('answers 202 with a Location when the outcome does not come within the timeout', async () => {
    const { status, body, headers } = await start('buyer', trade(500), '?confirm=true&timeout=1');
    expect(status).toBe(202);
    expect(body.status).toBe('running');
    expect(headers.get('location')).toBe(`/api/v1/processes/${body.id}`);
    const bad = await start('buyer', trade(500), '?confirm=true&timeout=500000');
    expect(bad.status).toBe(400);
  });

  it('gives a compensated process the same digest at every member', async () => {
    const { body } = await start('seller', trade(2_000_000));
    const views = await settled(body.id);
    for (const m of MEMBERS) expect(views[m].status).toBe('compensated');
    expectAgreement(views);
  });
});

describe('loan-syndication decisions', () => {
  it('completes everywhere when both lenders approve at their own gateways', async () => {
    const { id } = await startLoan();
    const wrong = await decide('seller', id, 'approve-lender1', true);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error?.code).toBe('not-your-step');
    const notDecision = await decide('bank', id, 'propose-terms', true);
    expect(notDecision.status).toBe(404);
    expect(notDecision.body.error?.code).toBe('unknown-step');
    const first = await decide('buyer', id, 'approve-lender1', true, 'fine by us');
    expect(first).toMatchObject({ status: 200, body: { accepted: true } });
    const twice = await decide('buyer', id, 'approve-lender1', false);
    expect(twice.status).toBe(409);
    expect(twice.body.error?.code).toBe('already-decided');
    expect((await decide('seller', id, 'approve-lender2', true)).status).toBe(200);
    const views = await settled(id);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
    expectAgreement(views);
  });

  it("accepts a decision asked the moment the lender's view shows the step waiting", async () => {
    const { id } = await startLoan();
    // The view reads the pin a moment before the workflow applies it; a client
    // that decides as soon as the view says so must not be told "not ready".
    const deadline = Date.now() + 60_000;
    while (!(await api.process('buyer', id))?.steps.some((s) => s.name === 'propose-terms' && s.status === 'done')) {
      if (Date.now() > deadline) throw new Error('propose-terms never done at buyer');
      await sleep(5);
    }
    const answer = await api.decide('buyer', id, 'approve-lender1', true);
    expect(answer).toMatchObject({ status: 200, body: { accepted: true } });
    expect((await decide('seller', id, 'approve-lender2', true)).status).toBe(200);
    const views = await settled(id);
    for (const m of MEMBERS) expect(views[m].status).toBe('completed');
  });

  it("compensates everywhere with the lender's comment when lender2 rejects", async () => {
    const { id } = await startLoan();
    expect((await decide('buyer', id, 'approve-lender1', true)).status).toBe(200);
    await stepReached('seller', id, 'approve-lender1', 'done');
    expect((await decide('seller', id, 'approve-lender2', false, 'exposure to acme too high')).status).toBe(200);
    const views = await settled(id);
    for (const m of MEMBERS) {
      expect(views[m].status).toBe('compensated');
      expect(views[m].reason).toBe('exposure to acme too high');
      expect(views[m].rejectedBy).toBe('seller');
    }
    expectAgreement(views);
    expect(effectsOf(views.buyer)).toEqual(['funds committed: 500000 for acme', 'funds released: 500000 for acme']);
    expect(effectsOf(views.bank)).toEqual(['terms proposed: 1000000 to acme', 'terms withdrawn: 1000000 to acme']);
    expect(effectsOf(views.seller)).toEqual([]);
  });

  it('cancels a loan that waits for decisions: accepted, compensated everywhere', async () => {
    const { id } = await startLoan();
    await stepReached('buyer', id, 'propose-terms', 'done');
    const { status, body } = await api.cancel('buyer', id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ outcome: 'accepted', reason: 'no reason given' });
    const views = await settled(id);
    for (const m of MEMBERS) {
      expect(views[m].status).toBe('compensated');
      expect(views[m].reason).toBe('cancelled by buyer: no reason given');
      expect(views[m].cancellations).toMatchObject([{ requestedBy: 'buyer', outcome: 'accepted' }]);
    }
    expectAgreement(views);
    expect(effectsOf(views.bank)).toEqual(['terms proposed: 1000000 to acme', 'terms withdrawn: 1000000 to acme']);
  });

  it('fails when the arranger cannot withdraw its terms, and compensates after a retry at the arranger', async () => {
    const blockedUntil = Date.now() + 6_000;
    const { id } = await startLoan({ withdrawalBlockedUntil: new Date(blockedUntil).toISOString() });
    expect((await decide('buyer', id, 'approve-lender1', false, 'not this quarter')).status).toBe(200);
    const failed = await settled(id, ['failed']);
    for (const m of MEMBERS) expect(failed[m].failedStep).toBe('propose-terms');
    expectAgreement(failed);
    const notOwner = await api.retry('buyer', id);
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error?.code).toBe('not-your-step');
    await sleep(Math.max(0, blockedUntil + 500 - Date.now()));
    const retry = await api.retry('bank', id);
    expect(retry).toMatchObject({ status: 202, body: { step: 'propose-terms' } });
    const views = await settled(id, ['completed', 'compensated']);
    for (const m of MEMBERS) {
      expect(views[m].status).toBe('compensated');
      expect(views[m].failedStep).toBeUndefined();
    }
    expectAgreement(views);
  });
});
