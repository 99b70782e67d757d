import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  proxyLocalActivities,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ProjectionActivities } from './activities.js';
import {
  decideStepUpdate,
  ledgerEventSignal,
  ledgerEventsSignal,
  processStateQuery,
  requestCancelUpdate,
  retryCompensationUpdate,
  SEARCH_ATTRIBUTES,
  type StepDecision,
} from './definitions.js';
import { messageId, type LedgerDelivery } from './messages.js';
import {
  applyDelivery,
  isTerminal,
  initialState,
  nextActions,
  readySteps,
  type ProcessArgs,
  type ProcessEvent,
  type ProcessState,
} from './process-state.js';
import { findProcessType, stepDeadlineMs } from './process-types/index.js';
import {
  compensateLocally,
  performAction,
  performCompensation,
  publish,
  watchDeadline,
  type TaskContext,
} from './step-tasks.js';
import { validateCancel, validateDecision, validateRetry, type LocalRequests } from './update-validators.js';

const projection = proxyLocalActivities<ProjectionActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});

/**
 * One member's side of one process. Its state changes only through ledger
 * deliveries, applied strictly in order; beside that it runs its own steps'
 * actions, compensations and deadline watches as tasks that publish outcomes.
 */
export async function processWorkflow(args: ProcessArgs): Promise<ProcessState> {
  const type = findProcessType(args.processType);
  if (!type) throw ApplicationFailure.nonRetryable(`unknown process type ${args.processType}`, 'UnknownProcessType');
  const state = initialState(args, type);
  const inbox = new Map<number, LedgerDelivery>();
  const tasks = new Map<string, Promise<void>>();
  let retries = 0;
  const local: LocalRequests = { cancelRequested: false, retrying: false };
  const ctx: TaskContext = {
    state,
    type,
    decisions: new Map<string, StepDecision>(),
    ownPending: new Set<string>(),
    undoLocally: async (step) => {
      try {
        await compensateLocally(state, step);
      } catch (err) {
        log.error('local compensation failed', { step: step.name, error: String(err) });
      }
    },
  };
  const launch = (key: string, task: () => Promise<void>) => {
    if (tasks.has(key)) return;
    tasks.set(
      key,
      task().catch((err: unknown) => log.error('step task failed', { task: key, error: String(err) })),
    );
  };

  // Duplicates (already applied or already buffered) change nothing; gaps wait.
  const take = (d: LedgerDelivery) => {
    if (d.index > state.appliedIndex && !inbox.has(d.index)) inbox.set(d.index, d);
  };
  setHandler(ledgerEventsSignal, (deliveries) => deliveries.forEach(take));
  setHandler(ledgerEventSignal, take);
  setHandler(processStateQuery, () => state);
  setHandler(
    decideStepUpdate,
    (decision) => {
      ctx.decisions.set(decision.step, decision);
      return { accepted: true as const };
    },
    { validator: (decision: StepDecision) => validateDecision(state, type, ctx.decisions, decision) },
  );
  setHandler(
    requestCancelUpdate,
    async ({ reason }) => {
      local.cancelRequested = true;
      const id = messageId(state.processId, 'cancel-requested', state.member);
      await publish(state, { kind: 'cancel-requested', id, processId: state.processId, author: state.member, reason });
      return { messageId: id };
    },
    { validator: (_request) => validateCancel(state, local) },
  );
  setHandler(
    retryCompensationUpdate,
    () => {
      retries += 1;
      local.retrying = true;
      return { step: state.failedStep! };
    },
    { validator: () => validateRetry(state, local) },
  );

  // Only a workflow the dispatcher starts late has a history; older histories replay unchanged.
  const known: ProcessEvent[] = [];
  for (const d of args.history ?? [])
    if (d.index === state.appliedIndex + 1) known.push(...applyDelivery(state, d, type));
  if (state.status !== 'running') upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: state.status }]);
  await projection.recordProcess({ state, events: known });
  if (args.initiate) {
    const id = messageId(args.processId, 'process-started');
    await publish(state, {
      kind: 'process-started',
      id,
      processId: args.processId,
      processType: args.processType,
      author: args.member,
      input: args.input,
      participants: args.participants,
    });
  }

  while (!(isTerminal(state.status) && ctx.ownPending.size === 0 && (await settled(tasks)))) {
    for (const { kind, step } of nextActions(state, type)) {
      if (kind === 'action') launch(`action/${step.name}`, () => performAction(ctx, step));
      else launch(`compensate/${step.name}/0`, () => performCompensation(ctx, step, 0));
    }
    if (state.status === 'failed' && local.retrying) {
      const step = type.steps.find((s) => s.name === state.failedStep);
      if (step?.name && state.steps.find((s) => s.name === step.name)?.member === state.member)
        launch(`compensate/${step.name}/${retries}`, async () => {
          await performCompensation(ctx, step, retries);
          local.retrying = false;
        });
    }
    for (const i of readySteps(state, type)) {
      const ms = stepDeadlineMs(type.steps[i], state.input);
      if (ms !== undefined) launch(`deadline/${type.steps[i].name}`, () => watchDeadline(ctx, i, ms));
    }
    const seenRetries = retries;
    await condition(
      () =>
        inbox.has(state.appliedIndex + 1) ||
        retries !== seenRetries ||
        (isTerminal(state.status) && ctx.ownPending.size === 0),
    );
    const delivery = inbox.get(state.appliedIndex + 1);
    if (!delivery) continue;
    inbox.delete(delivery.index);
    const before = state.status;
    const events = applyDelivery(state, delivery, type);
    if (ctx.ownPending.delete(delivery.message.id) && state.ignored.some((i) => i.messageId === delivery.message.id)) {
      const m = delivery.message;
      const step =
        m.kind === 'step-outcome' && m.outcome === 'done' ? type.steps.find((s) => s.name === m.step) : undefined;
      if (step) launch(`undo/${step.name}`, () => ctx.undoLocally(step));
    }
    await record(state, events, before !== state.status);
  }
  // A cancel request still being published must finish before the workflow does.
  await condition(allHandlersFinished);
  // Deliveries that came after the end (a late cancel) are refused here, as at
  // every member; once the workflow is closed the dispatcher records them instead.
  for (let next = inbox.get(state.appliedIndex + 1); next; next = inbox.get(state.appliedIndex + 1)) {
    inbox.delete(next.index);
    await record(state, applyDelivery(state, next, type), false);
  }
  return state;
}

/** True once every task has finished (deadline watches end as soon as their step is settled). */
async function settled(tasks: Map<string, Promise<void>>): Promise<boolean> {
  await Promise.all(tasks.values());
  return true;
}

/**
 * After a delivery the state and events are the ledger projector's, which
 * wrote them before the dispatcher delivered the pin (the same pure state
 * machine, the same event keys): writing them again was a local activity per
 * pin at every member for nothing. Histories from before this change replay
 * with the write (the patch marker tells them apart).
 */
const PROJECTOR_RECORDS_DELIVERIES = 'projector-records-deliveries';

async function record(state: ProcessState, events: ProcessEvent[], statusChanged: boolean): Promise<void> {
  if (statusChanged) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: state.status }]);
  if (!patched(PROJECTOR_RECORDS_DELIVERIES)) await projection.recordProcess({ state, events });
}
