import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ProcessActivities, ProjectionActivities, StepRequest } from './activities.js';
import { ledgerEventSignal, processStateQuery, SEARCH_ATTRIBUTES } from './definitions.js';
import { messageId, type LedgerDelivery, type LedgerMessage } from './messages.js';
import {
  applyDelivery,
  failProcess,
  initialState,
  isTerminal,
  nextAction,
  type ProcessArgs,
  type ProcessEvent,
  type ProcessState,
} from './process-state.js';
import { findProcessType, type StepDefinition } from './process-types/index.js';

// Short start-to-close timeouts: an activity lost with a crashed worker is
// retried that soon. A member whose systems take longer heartbeats instead.
const steps = proxyActivities<Pick<ProcessActivities, 'runStep' | 'compensateStep'>>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});
// Delivering private data and queueing the pin must eventually succeed (a
// peer may be down for a while): retried without a bound, with backoff.
const exchange = proxyActivities<Pick<ProcessActivities, 'publishMessage'>>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
const projection = proxyLocalActivities<ProjectionActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});

/**
 * One member's side of one process. It acts only when its role owns the next
 * step (or the next compensation) and everything before is confirmed on the
 * ledger; otherwise it waits for the next delivery in ledger order.
 */
export async function processWorkflow(args: ProcessArgs): Promise<ProcessState> {
  const type = findProcessType(args.processType);
  if (!type) throw ApplicationFailure.nonRetryable(`unknown process type ${args.processType}`, 'UnknownProcessType');
  const state = initialState(args, type);
  const inbox = new Map<number, LedgerDelivery>();
  setHandler(ledgerEventSignal, (d) => {
    // Duplicates (already applied or already buffered) change nothing; gaps wait.
    if (d.index > state.appliedIndex && !inbox.has(d.index)) inbox.set(d.index, d);
  });
  setHandler(processStateQuery, () => state);

  await projection.recordProcess({ state, events: [] });
  if (args.initiate) {
    const started: LedgerMessage = {
      kind: 'process-started',
      id: messageId(args.processId, 'process-started'),
      processId: args.processId,
      processType: args.processType,
      author: args.member,
      input: args.input,
      participants: args.participants,
    };
    await exchange.publishMessage({ message: started, participants: args.participants });
  }

  const done = new Set<string>();
  while (!isTerminal(state.status)) {
    const action = nextAction(state, type);
    const key = action && `${action.kind}/${action.step.name}`;
    if (action && key && !done.has(key)) {
      done.add(key);
      const failure = await perform(state, action.kind, action.step);
      if (failure) await record(state, [failure]);
      continue;
    }
    await condition(() => inbox.has(state.appliedIndex + 1));
    const delivery = inbox.get(state.appliedIndex + 1)!;
    inbox.delete(delivery.index);
    await record(state, applyDelivery(state, delivery));
  }
  return state;
}

/** Runs the local member's action or compensation and publishes its outcome; returns a failure event if it could not. */
async function perform(
  state: ProcessState,
  kind: 'action' | 'compensate',
  step: StepDefinition,
): Promise<ProcessEvent | undefined> {
  const request: StepRequest = {
    processId: state.processId,
    processType: state.processType,
    step: step.name,
    activity: kind === 'action' ? step.action : (step.compensation ?? ''),
    input: state.input,
    participants: state.participants,
    member: state.member,
  };
  const base = { processId: state.processId, author: state.member, step: step.name };
  let message: LedgerMessage;
  if (kind === 'action') {
    const result = await steps.runStep(request).catch((err: unknown) => ({
      outcome: 'rejected' as const,
      reason: `step ${step.name} failed: ${failureMessage(err)}`,
      output: undefined,
    }));
    message = { kind: 'step-outcome', id: messageId(state.processId, 'step-outcome', step.name), ...base, ...result };
  } else {
    let output: unknown;
    try {
      if (step.compensation) output = (await steps.compensateStep(request)).output;
    } catch (err) {
      return failProcess(state, step.name, failureMessage(err));
    }
    message = {
      kind: 'step-compensated',
      id: messageId(state.processId, 'step-compensated', step.name),
      ...base,
      output,
    };
  }
  await exchange.publishMessage({ message, participants: state.participants });
  return undefined;
}

async function record(state: ProcessState, events: ProcessEvent[]): Promise<void> {
  if (events.length > 0) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: state.status }]);
  await projection.recordProcess({ state, events });
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
