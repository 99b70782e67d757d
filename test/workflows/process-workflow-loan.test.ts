import { describe, expect, it } from 'vitest';
import { decideStepUpdate, requestCancelUpdate } from '../../workflows/definitions.js';
import { expectAllAgree, kinds, loan, refusal, stepIs, useTemporalEnv, withProcess } from './process-runs.js';
import { recordHistories } from './record-histories.js';
import { eventually } from './temporal-env.js';

useTemporalEnv();

describe('processWorkflow: loan-syndication', () => {
  it('completes when both lenders approve; refuses decisions by the wrong member or made twice', async () => {
    await withProcess(loan(), async (run) => {
      await stepIs(run, 'buyer', 'propose-terms', 'done');
      await stepIs(run, 'seller', 'propose-terms', 'done');
      const decide = (member: string, step: string, approve = true) =>
        run.handles[member].executeUpdate(decideStepUpdate, { args: [{ step, approve }] });
      expect(await refusal(decide('seller', 'approve-lender1'))).toBe('NotYourStep');
      expect(await refusal(decide('buyer', 'sign-agreement'))).toBe('UnknownStep');
      expect(await decide('buyer', 'approve-lender1')).toEqual({ accepted: true });
      expect(await refusal(decide('buyer', 'approve-lender1', false))).toBe('AlreadyDecided');
      expect(await decide('seller', 'approve-lender2')).toEqual({ accepted: true });
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('completed');
      expect(s.steps.map((x) => x.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
      expect(s.steps[1].output).toMatchObject({ by: 'buyer' });
      expect([...run.stubs.list('run')].sort()).toEqual(
        ['bank:proposeTerms', 'buyer:commitFunds', 'seller:commitFunds', 'bank:signAgreement', 'bank:disburse'].sort(),
      );
      await recordHistories('loan-completed', run.handles);
    });
  }, 60_000);

  it('refuses a decision before its step may start; undoes an applied approval first when the other lender rejects', async () => {
    const scenario = loan({}, (ledger) => {
      ledger.hold = (m) => m.kind === 'step-outcome' && m.step === 'propose-terms';
    });
    await withProcess(scenario, async (run) => {
      const terms = await eventually('terms parked', () => run.ledger.parkedMessages()[0]);
      const decide = (member: string, step: string, approve: boolean) =>
        run.handles[member].executeUpdate(decideStepUpdate, { args: [{ step, approve }] });
      expect(await refusal(decide('buyer', 'approve-lender1', true))).toBe('StepNotReady');
      run.ledger.release(terms.id);
      await stepIs(run, 'buyer', 'propose-terms', 'done');
      await decide('buyer', 'approve-lender1', true);
      await stepIs(run, 'seller', 'approve-lender1', 'done');
      await decide('seller', 'approve-lender2', false);
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.rejectedBy).toBe('seller');
      expect(s.steps.map((x) => x.status)).toEqual(['compensated', 'compensated', 'rejected', 'pending', 'pending']);
      // Latest pinned outcome first: the lender's funds, then the arranger's terms.
      expect(run.stubs.list('compensate')).toEqual(['buyer:releaseFunds', 'bank:withdrawTerms']);
    });
  }, 60_000);

  it('compensates when the approval deadline passes without decisions', async () => {
    // The ledger parks timeouts until every member has pinned one: otherwise the
    // first delivered may end the others' watches before their timers fire.
    const scenario = loan({ approvalDeadlineSeconds: 2 }, (ledger) => {
      ledger.hold = (m) => m.kind === 'step-timeout';
    });
    await withProcess(scenario, async (run) => {
      const parked = await eventually('a timeout parked from every member', () => {
        const messages = run.ledger.parkedMessages();
        return new Set(messages.map((m) => m.author)).size === 3 ? [...messages] : undefined;
      });
      run.ledger.hold = () => false;
      run.ledger.release(...parked.map((m) => m.id));
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.reason).toMatch(/^the deadline of step approve-lender[12] passed$/);
      const timeouts = run.ledger.deliveries.filter((d) => d.message.kind === 'step-timeout');
      // Every member watched the deadline and pinned a timeout; the first applied decided.
      expect(new Set(timeouts.map((d) => d.author))).toEqual(new Set(['bank', 'buyer', 'seller']));
      const first = timeouts[0];
      expect(s.rejectedBy).toBe(first.author);
      expect(s.ignored.map((i) => i.index)).toEqual(timeouts.slice(1).map((d) => d.index));
      expect(run.stubs.list('compensate')).toEqual(['bank:withdrawTerms']);
      expect(run.stubs.list('run')).toEqual(['bank:proposeTerms']);
      await recordHistories('loan-deadline', run.handles);
    });
  }, 60_000);

  it('compensates when a member cancels while the lenders decide', async () => {
    await withProcess(loan(), async (run) => {
      await stepIs(run, 'buyer', 'propose-terms', 'done');
      const { messageId } = await run.handles.buyer.executeUpdate(requestCancelUpdate, {
        args: [{ reason: 'borrower withdrew' }],
      });
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.reason).toBe('cancelled by buyer: borrower withdrew');
      expect(s.cancellations).toMatchObject([{ requestedBy: 'buyer', outcome: 'accepted' }]);
      expect(run.ledger.deliveries.find((d) => d.message.id === messageId)).toBeDefined();
      expect(run.stubs.list('compensate')).toEqual(['bank:withdrawTerms']);
    });
  }, 60_000);

  it('undoes locally an approval whose action ends after the process stopped (never published)', async () => {
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const scenario = loan({}, (_ledger, stubs) => {
      stubs.run.commitFunds = async (r) => {
        if (r.member === 'buyer') await slow;
        return { outcome: 'done' };
      };
    });
    await withProcess(scenario, async (run) => {
      try {
        await stepIs(run, 'buyer', 'propose-terms', 'done');
        await run.handles.buyer.executeUpdate(decideStepUpdate, { args: [{ step: 'approve-lender1', approve: true }] });
        await eventually('buyer commitFunds running', () =>
          run.stubs.list('run').includes('buyer:commitFunds') ? true : undefined,
        );
        await run.handles.seller.executeUpdate(decideStepUpdate, {
          args: [{ step: 'approve-lender2', approve: false, comment: 'exposure too high' }],
        });
        await eventually('compensated at buyer', async () =>
          (await run.state('buyer')).status === 'compensated' ? true : undefined,
        );
      } finally {
        finish();
      }
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.reason).toBe('exposure too high');
      expect(s.steps[1].status).toBe('pending');
      expect(kinds(run.ledger.published).filter((k) => k.includes('approve-lender1'))).toEqual([]);
      expect(run.stubs.list('compensate')).toEqual(['bank:withdrawTerms', 'buyer:releaseFunds']);
    });
  }, 60_000);

  it('ignores an approval the ledger ordered after a rejection, and undoes it locally once', async () => {
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const scenario = loan({}, (ledger, stubs) => {
      stubs.run.commitFunds = async (r) => {
        if (r.member === 'buyer') await slow;
        return { outcome: 'done' };
      };
      ledger.hold = (m) => m.kind === 'step-outcome' && m.step.startsWith('approve-');
    });
    await withProcess(scenario, async (run) => {
      const parked = (step: string) =>
        eventually(`${step} outcome parked`, () =>
          run.ledger.parkedMessages().find((m) => 'step' in m && m.step === step),
        );
      try {
        await stepIs(run, 'buyer', 'propose-terms', 'done');
        await run.handles.buyer.executeUpdate(decideStepUpdate, { args: [{ step: 'approve-lender1', approve: true }] });
        await run.handles.seller.executeUpdate(decideStepUpdate, {
          args: [{ step: 'approve-lender2', approve: false, comment: 'exposure too high' }],
        });
        await parked('approve-lender2');
      } finally {
        finish();
      }
      const approval = await parked('approve-lender1');
      const rejection = await parked('approve-lender2');
      // The ledger orders the rejection first: the approval comes too late everywhere.
      run.ledger.release(rejection.id, approval.id);
      const results = await run.results();
      const s = expectAllAgree(results);
      expect(s.status).toBe('compensated');
      expect(s.steps[1].status).toBe('pending');
      expect(s.ignored).toMatchObject([{ messageId: approval.id, reason: 'too late: the process is compensating' }]);
      expect(run.stubs.list('compensate').sort()).toEqual(['bank:withdrawTerms', 'buyer:releaseFunds']);
      expect(kinds(run.ledger.published).filter((k) => k.startsWith('step-compensated'))).toEqual([
        'step-compensated propose-terms by bank',
      ]);
      await recordHistories('loan-late-approval', run.handles);
    });
  }, 60_000);
});
