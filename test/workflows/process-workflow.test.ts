import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decideStepUpdate,
  PROCESS_WORKFLOW,
  processStateQuery,
  processWorkflowOptions,
  requestCancelUpdate,
  retryCompensationUpdate,
} from '../../workflows/definitions.js';
import { participantMembers, type LedgerMessage } from '../../workflows/messages.js';
import type { ProcessArgs, ProcessState } from '../../workflows/process-state.js';
import type { processWorkflow } from '../../workflows/process.workflow.js';
import { BUYER_CREDIT_LIMIT } from '../../workflows/process-types/trade-settlement.js';
import { Ledger } from './ledger.js';
import { recordHistories } from './record-histories.js';
import { StubMembers } from './stub-members.js';
import { eventually, TemporalEnv } from './temporal-env.js';

type Handle = WorkflowHandle<typeof processWorkflow>;

interface Run {
  processId: string;
  ledger: Ledger;
  stubs: StubMembers;
  handles: Record<string, Handle>;
  /** Every member's returned state, by member. */
  results(): Promise<Record<string, ProcessState>>;
  state(member: string): Promise<ProcessState>;
}

interface Scenario {
  processType: 'trade-settlement' | 'loan-syndication';
  input: unknown;
  participants: Record<string, string>;
  initiator: string;
  /** Scripts and ledger rules, set before any workflow starts. */
  setup?: (ledger: Ledger, stubs: StubMembers) => void;
}

const TRADE = { buyer: 'buyer', seller: 'seller', bank: 'bank' };
const LOAN = { arranger: 'bank', lender1: 'buyer', lender2: 'seller' };

let env: TemporalEnv;

beforeAll(async () => {
  env = await TemporalEnv.start();
}, 300_000);

afterAll(async () => {
  await env?.stop();
});

/** Starts one workflow per member on a fresh worker, runs `body`, then stops the worker. */
async function withProcess(scenario: Scenario, body: (run: Run) => Promise<void>): Promise<void> {
  const processId = randomUUID();
  const ledger = new Ledger();
  const stubs = new StubMembers(ledger);
  scenario.setup?.(ledger, stubs);
  const taskQueue = `process-${processId}`;
  const worker = await env.worker(taskQueue, stubs.activities());
  await worker.runUntil(async () => {
    const handles: Record<string, Handle> = {};
    const members = participantMembers(scenario.participants);
    // The initiator last, as the other members' dispatchers start theirs on its first pin.
    for (const member of [...members.filter((m) => m !== scenario.initiator), scenario.initiator]) {
      const args: ProcessArgs = {
        processId,
        processType: scenario.processType,
        member,
        initiator: scenario.initiator,
        input: scenario.input,
        participants: scenario.participants,
        initiate: member === scenario.initiator,
      };
      const options = processWorkflowOptions({ ...args });
      handles[member] = await env.client.workflow.start<typeof processWorkflow>(PROCESS_WORKFLOW, {
        ...options,
        taskQueue,
        args: [args],
      });
    }
    ledger.attach(handles);
    const results = async () => {
      const states = await Promise.all(members.map((m) => handles[m].result()));
      return Object.fromEntries(members.map((m, i) => [m, states[i]]));
    };
    const state = (member: string) => handles[member].query(processStateQuery);
    await body({ processId, ledger, stubs, handles, results, state });
    await ledger.flushed();
    expect(ledger.errors).toEqual([]);
  });
}

/** What every member must agree on. */
function shared(s: ProcessState) {
  const { member: _member, ...rest } = s;
  return rest;
}

function expectAllAgree(results: Record<string, ProcessState>): ProcessState {
  const [first, ...others] = Object.values(results);
  for (const other of others) expect(shared(other)).toEqual(shared(first));
  return first;
}

async function stepIs(run: Run, member: string, step: string, status: string): Promise<ProcessState> {
  return eventually(`${step} ${status} at ${member}`, async () => {
    const s = await run.state(member);
    return s.steps.find((x) => x.name === step)?.status === status ? s : undefined;
  });
}

async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function kinds(messages: readonly LedgerMessage[]): string[] {
  return messages.map((m) => `${m.kind}${'step' in m ? ` ${m.step}` : ''} by ${m.author}`);
}

const trade = (amount: number, setup?: Scenario['setup']): Scenario => ({
  processType: 'trade-settlement',
  input: { item: 'steel coil', quantity: 3, amount },
  participants: TRADE,
  initiator: 'buyer',
  setup: (ledger, stubs) => {
    stubs.run.approveFinancing = (r) =>
      (r.input as { amount: number }).amount > BUYER_CREDIT_LIMIT
        ? { outcome: 'rejected', reason: 'over the credit limit' }
        : { outcome: 'done', output: { financed: true } };
    setup?.(ledger, stubs);
  },
});

const loan = (input: Record<string, unknown> = {}, setup?: Scenario['setup']): Scenario => ({
  processType: 'loan-syndication',
  input: { borrower: 'ACME', amount: 5_000_000, ...input },
  participants: LOAN,
  initiator: 'bank',
  setup,
});

describe('processWorkflow: trade-settlement', () => {
  it('completes at every member with the same steps and pins', async () => {
    await withProcess(trade(500), async (run) => {
      const results = await run.results();
      const s = expectAllAgree(results);
      expect(s.status).toBe('completed');
      expect(s.steps.map((x) => [x.name, x.member, x.status, x.pin])).toEqual([
        ['place-order', 'buyer', 'done', 1002],
        ['reserve-stock', 'seller', 'done', 1003],
        ['approve-financing', 'bank', 'done', 1004],
        ['ship', 'seller', 'done', 1005],
        ['confirm-receipt', 'buyer', 'done', 1006],
      ]);
      expect(s.startPin).toBe(1001);
      expect(s.ignored).toEqual([]);
      expect(run.stubs.list('run')).toEqual([
        'buyer:placeOrder',
        'seller:reserveStock',
        'bank:approveFinancing',
        'seller:ship',
        'buyer:confirmReceipt',
      ]);
      expect(run.stubs.list('compensate')).toEqual([]);
      // The workflow writes its view once, when it starts; after that the
      // ledger projector writes each delivery's state (apps/worker/ledger-projector.ts).
      for (const member of Object.keys(results))
        expect(run.stubs.records.get(member)?.map((r) => r.status)).toEqual(['running']);
      await recordHistories('trade-completed', run.handles);
    });
  }, 60_000);

  it('compensates in reverse when the bank rejects: releaseStock, then cancelOrder, each once', async () => {
    await withProcess(trade(2_000_000), async (run) => {
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.reason).toBe('over the credit limit');
      expect(s.rejectedBy).toBe('bank');
      expect(s.steps.map((x) => x.status)).toEqual(['compensated', 'compensated', 'rejected', 'pending', 'pending']);
      expect(s.steps[1].compensationPin).toBeLessThan(s.steps[0].compensationPin!);
      expect(run.stubs.list('compensate')).toEqual(['seller:releaseStock', 'buyer:cancelOrder']);
      expect(kinds(run.ledger.deliveries.map((d) => d.message))).toEqual([
        'process-started by buyer',
        'step-outcome place-order by buyer',
        'step-outcome reserve-stock by seller',
        'step-outcome approve-financing by bank',
        'step-compensated reserve-stock by seller',
        'step-compensated place-order by buyer',
      ]);
      await recordHistories('trade-rejected', run.handles);
    });
  }, 60_000);

  it('ignores duplicate and out-of-order deliveries', async () => {
    const scenario = trade(500, (ledger) => ledger.scramble('bank'));
    await withProcess(scenario, async (run) => {
      const results = await run.results();
      const s = expectAllAgree(results);
      expect(s.status).toBe('completed');
      expect(s.steps.map((x) => x.pin)).toEqual([1002, 1003, 1004, 1005, 1006]);
      expect(s.ignored).toEqual([]);
      expect(s.appliedIndex).toBe(6);
      expect(run.stubs.list('run')).toHaveLength(5);
      // The bank really got index 3 before 2 (and 5 before 4), and everything twice.
      const sent = run.ledger.sent.get('bank')!;
      expect(sent.slice(0, 6)).toEqual([1, 1, 3, 2, 2, 3]);
      expect(sent.indexOf(5)).toBeLessThan(sent.indexOf(4));
    });
  }, 60_000);

  it.each([500, 2_000_000])(
    'a workflow started with the ledger history (a member rebuilding on an empty namespace) runs nothing already decided (amount %d)',
    async (amount) => {
      let original: ProcessState | undefined;
      let history: ProcessArgs['history'] = [];
      let processId = '';
      await withProcess(trade(amount), async (run) => {
        original = (await run.results()).seller;
        history = [...run.ledger.deliveries];
        processId = run.processId;
      });
      const ledger = new Ledger();
      const stubs = new StubMembers(ledger);
      const taskQueue = `rebuilt-${processId}`;
      const worker = await env.worker(taskQueue, stubs.activities());
      const rebuilt = await worker.runUntil(async () => {
        const args: ProcessArgs = {
          processId,
          processType: 'trade-settlement',
          member: 'seller',
          initiator: 'buyer',
          input: { item: 'steel coil', quantity: 3, amount },
          participants: TRADE,
          history,
        };
        const handle = await env.client.workflow.start<typeof processWorkflow>(PROCESS_WORKFLOW, {
          ...processWorkflowOptions(args),
          workflowId: `${processWorkflowOptions(args).workflowId}/rebuilt`,
          taskQueue,
          args: [args],
        });
        ledger.attach({ seller: handle });
        return handle.result();
      });
      expect(rebuilt).toEqual(original);
      expect([...stubs.list('run'), ...stubs.list('compensate')]).toEqual([]);
      expect(ledger.published).toEqual([]);
    },
    60_000,
  );

  it('fails when a compensation throws, and completes the compensation after a retry at the owner', async () => {
    let releaseFails = true;
    const scenario = trade(2_000_000, (_ledger, stubs) => {
      stubs.compensate.releaseStock = () => {
        if (releaseFails) throw ApplicationFailure.nonRetryable('warehouse offline', 'WarehouseOffline');
        return { output: { released: true } };
      };
    });
    await withProcess(scenario, async (run) => {
      for (const member of ['buyer', 'seller', 'bank']) {
        const s = await eventually(`failed at ${member}`, async () => {
          const state = await run.state(member);
          return state.status === 'failed' ? state : undefined;
        });
        expect(s.failedStep).toBe('reserve-stock');
      }
      expect(kinds(run.ledger.published).filter((k) => k.startsWith('compensation-failed'))).toEqual([
        'compensation-failed reserve-stock by seller',
      ]);
      // Only the step's owner may retry.
      expect(await refusal(run.handles.buyer.executeUpdate(retryCompensationUpdate, { args: [] }))).toBe('NotYourStep');
      releaseFails = false;
      expect(await run.handles.seller.executeUpdate(retryCompensationUpdate, { args: [] })).toEqual({
        step: 'reserve-stock',
      });
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.failedStep).toBeUndefined();
      expect(s.steps.slice(0, 2).map((x) => x.status)).toEqual(['compensated', 'compensated']);
      expect(run.stubs.list('compensate')).toEqual(['seller:releaseStock', 'seller:releaseStock', 'buyer:cancelOrder']);
      await recordHistories('trade-compensation-retried', run.handles);
    });
  }, 60_000);
  it('lets the ledger order decide a cancel against the last outcome: the cancel first wins', async () => {
    const scenario = trade(500, (ledger) => {
      ledger.hold = (m) => (m.kind === 'step-outcome' && m.step === 'confirm-receipt') || m.kind === 'cancel-requested';
    });
    await withProcess(scenario, async (run) => {
      const last = await eventually('confirm-receipt parked', () => run.ledger.parkedMessages()[0]);
      const { messageId } = await run.handles.seller.executeUpdate(requestCancelUpdate, {
        args: [{ reason: 'changed my mind' }],
      });
      run.ledger.release(messageId, last.id);
      const s = expectAllAgree(await run.results());
      expect(s.status).toBe('compensated');
      expect(s.reason).toBe('cancelled by seller: changed my mind');
      expect(s.cancellations).toMatchObject([{ requestedBy: 'seller', outcome: 'accepted' }]);
      expect(s.ignored).toMatchObject([{ messageId: last.id, reason: 'too late: the process is compensating' }]);
      expect(s.steps.map((x) => x.status)).toEqual([
        'compensated',
        'compensated',
        'compensated',
        'compensated',
        'pending',
      ]);
      expect(run.stubs.list('compensate')).toEqual([
        'seller:recallShipment',
        'bank:revokeFinancing',
        'seller:releaseStock',
        'buyer:cancelOrder',
      ]);
    });
  }, 60_000);

  // requestCancel's handler awaits the publish activity: the workflow must not
  // finish under it, or the caller gets an error while the cancel is pinned anyway.
  it('answers a cancel requested while the last step is being pinned', async () => {
    let open!: () => void;
    const slowNetwork = new Promise<void>((resolve) => (open = resolve));
    const scenario = trade(500, (ledger, stubs) => {
      ledger.hold = (m) => m.kind === 'step-outcome' && m.step === 'confirm-receipt';
      stubs.beforePublish = (m) => (m.kind === 'cancel-requested' ? slowNetwork : Promise.resolve());
    });
    await withProcess(scenario, async (run) => {
      const last = await eventually('confirm-receipt parked', () => run.ledger.parkedMessages()[0]);
      const cancel = run.handles.seller
        .executeUpdate(requestCancelUpdate, { args: [{ reason: 'changed my mind' }] })
        .then(
          (r) => ({ ok: r }),
          (e: unknown) => ({ error: String((e as Error).cause) }),
        );
      await sleep(500); // the update is accepted and its publish is on its way
      run.ledger.release(last.id);
      await sleep(1_000); // the last step is applied while the cancel is still being published
      open();
      const results = await run.results();
      expect(await cancel).toEqual({ ok: { messageId: expect.any(String) as unknown } });
      // The cancel came back from the ledger after the last step: it is refused.
      // Workflows that had ended leave that to their member's ledger projector
      // (apps/worker/ledger-projector.ts), which records the same refusal.
      const refusal = {
        requestedBy: 'seller',
        reason: 'changed my mind',
        outcome: 'refused',
        refusal: 'too late: the process is already completed',
      };
      // Whether the seller's workflow was still open for it depends on timing:
      // if it was, the refusal is the agreed one.
      expect(results.seller.cancellations.length).toBeLessThanOrEqual(1);
      if (results.seller.cancellations.length === 1) expect(results.seller.cancellations).toMatchObject([refusal]);
      const outcome = (st: ProcessState) => ({ status: st.status, steps: st.steps, startPin: st.startPin });
      for (const m of ['buyer', 'bank']) {
        expect(results[m].status).toBe('completed');
        expect(outcome(results[m])).toEqual(outcome(results.seller));
      }
    });
  }, 60_000);

  // A retry request retries one failure: a later failed compensation at the
  // same member waits for a new request.
  it('waits for a retry request on a second failed compensation at the same member', async () => {
    let recallFails = true;
    let releaseFails = true;
    const scenario = trade(500, (_ledger, stubs) => {
      stubs.run.confirmReceipt = () => ({ outcome: 'rejected', reason: 'goods damaged' });
      stubs.compensate.recallShipment = () => {
        if (recallFails) throw ApplicationFailure.nonRetryable('carrier unreachable');
        return {};
      };
      stubs.compensate.releaseStock = () => {
        if (releaseFails) throw ApplicationFailure.nonRetryable('warehouse offline');
        return {};
      };
    });
    let releaseCallsWithoutRequest = 0;
    await withProcess(scenario, async (run) => {
      const failedAt = (step: string) =>
        eventually(`${step} failed at seller`, async () => {
          const s = await run.state('seller');
          return s.status === 'failed' && s.failedStep === step ? s : undefined;
        });
      await failedAt('ship');
      recallFails = false;
      await run.handles.seller.executeUpdate(retryCompensationUpdate, { args: [] });
      await failedAt('reserve-stock');
      await sleep(1500); // time for anything the workflow would do unasked
      releaseCallsWithoutRequest = run.stubs.list('compensate').filter((c) => c === 'seller:releaseStock').length;
      releaseFails = false;
      await run.handles.seller.executeUpdate(retryCompensationUpdate, { args: [] });
      expect(expectAllAgree(await run.results()).status).toBe('compensated');
    });
    expect(releaseCallsWithoutRequest).toBe(1);
  }, 60_000);
});

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
