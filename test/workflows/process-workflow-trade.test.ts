import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  PROCESS_WORKFLOW,
  processWorkflowOptions,
  requestCancelUpdate,
  retryCompensationUpdate,
} from '../../workflows/definitions.js';
import type { ProcessArgs, ProcessState } from '../../workflows/process-state.js';
import type { processWorkflow } from '../../workflows/process.workflow.js';
import { Ledger } from './ledger.js';
import { expectAllAgree, kinds, refusal, temporal, trade, TRADE, useTemporalEnv, withProcess } from './process-runs.js';
import { recordHistories } from './record-histories.js';
import { StubMembers } from './stub-members.js';
import { eventually } from './temporal-env.js';

useTemporalEnv();

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
      // ledger projector writes each delivery's state (apps/worker/ledger/ledger-projector.ts).
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
      const worker = await temporal().worker(taskQueue, stubs.activities());
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
        const handle = await temporal().client.workflow.start<typeof processWorkflow>(PROCESS_WORKFLOW, {
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
      // (apps/worker/ledger/ledger-projector.ts), which records the same refusal.
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
