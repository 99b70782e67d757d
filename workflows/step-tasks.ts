/**
 * What one member does for its own steps: actions (after a person's decision
 * where the step asks for one), compensations, deadline watches. Each runs
 * as its own task beside the workflow's main loop and publishes its outcome.
 */
import { ActivityFailure, condition, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ProcessActivities, StepRequest } from './activities.js';
import type { StepDecision } from './definitions.js';
import { messageId, type LedgerMessage } from './messages.js';
import { readySteps, type ProcessState } from './process-state.js';
import type { ProcessTypeDefinition, StepDefinition } from './process-types/index.js';

// Short start-to-close timeouts: an activity lost with a crashed worker is
// retried that soon. A member whose systems take longer heartbeats instead.
const steps = proxyActivities<Pick<ProcessActivities, 'runStep' | 'compensateStep'>>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});
// Publishing stores the message and queues it for the member's message
// sender (which delivers it to the peers, then pins it): database writes in
// this member's own worker, retried without a bound, with backoff.
const publishOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
} as const;
const exchange = proxyActivities<Pick<ProcessActivities, 'publishMessage'>>(publishOptions);
// As a local activity it costs no activity task and no extra workflow task
// on the Temporal server (one of each per pin otherwise), and it is short:
// a slow or absent peer holds up the sender, never the workflow task. It is
// idempotent (stored under its hash, queued once), so a retry is safe.
const exchangeHere = proxyLocalActivities<Pick<ProcessActivities, 'publishMessage'>>(publishOptions);
/** Histories from before the change replay with the regular activity (the patch marker tells them apart). */
const PUBLISH_AS_LOCAL_ACTIVITY = 'publish-as-local-activity';

export interface TaskContext {
  state: ProcessState;
  type: ProcessTypeDefinition;
  decisions: Map<string, StepDecision>;
  /** Ids of this member's step outcomes published but not yet seen on the ledger. */
  ownPending: Set<string>;
  /** Called when an action finished after the process stopped running: undo it here only. */
  undoLocally(step: StepDefinition): Promise<void>;
}

export function publish(state: ProcessState, message: LedgerMessage): Promise<{ hash: string }> {
  const request = { message, participants: state.participants };
  return patched(PUBLISH_AS_LOCAL_ACTIVITY) ? exchangeHere.publishMessage(request) : exchange.publishMessage(request);
}

function request(state: ProcessState, step: StepDefinition, activity: string): StepRequest {
  return {
    processId: state.processId,
    processType: state.processType,
    step: step.name,
    activity,
    input: state.input,
    participants: state.participants,
    member: state.member,
  };
}

/** Runs the step's action (after the decision, for a decision step) and publishes its outcome. */
export async function performAction(ctx: TaskContext, step: StepDefinition): Promise<void> {
  const { state } = ctx;
  let outcome: { outcome: 'done' | 'rejected'; output?: unknown; reason?: string } = { outcome: 'done' };
  if (step.decision) {
    await condition(() => ctx.decisions.has(step.name) || state.status !== 'running');
    const decision = ctx.decisions.get(step.name);
    if (!decision) return;
    if (!decision.approve)
      outcome = { outcome: 'rejected', reason: decision.comment || `${state.member} rejected ${step.name}` };
    else outcome = { outcome: 'done', output: { decision: 'approved', comment: decision.comment } };
  }
  if (outcome.outcome === 'done' && step.action) {
    outcome = await steps.runStep(request(state, step, step.action)).catch((err: unknown) => ({
      outcome: 'rejected' as const,
      reason: `step ${step.name} failed: ${failureMessage(err)}`,
    }));
  }
  if (state.status !== 'running') {
    // The ledger stopped the process while the action ran: it never counts, so undo it here.
    if (outcome.outcome === 'done') await ctx.undoLocally(step);
    return;
  }
  const id = messageId(state.processId, 'step-outcome', step.name);
  ctx.ownPending.add(id);
  await publish(state, {
    kind: 'step-outcome',
    id,
    processId: state.processId,
    author: state.member,
    step: step.name,
    ...outcome,
  });
}

/** Undoes the step's action and publishes that, or publishes that it could not. */
export async function performCompensation(ctx: TaskContext, step: StepDefinition, attempt: number): Promise<void> {
  const { state } = ctx;
  const base = { processId: state.processId, author: state.member, step: step.name };
  try {
    const output = step.compensation
      ? (await steps.compensateStep(request(state, step, step.compensation))).output
      : undefined;
    await publish(state, {
      kind: 'step-compensated',
      id: messageId(state.processId, 'step-compensated', step.name),
      ...base,
      output,
    });
  } catch (err) {
    const id = messageId(state.processId, 'compensation-failed', step.name, attempt);
    await publish(state, { kind: 'compensation-failed', id, ...base, reason: failureMessage(err) });
  }
}

/** Undoes an action whose outcome the ledger ignored; no pin, nothing shared changed. */
export async function compensateLocally(state: ProcessState, step: StepDefinition): Promise<void> {
  if (step.compensation) await steps.compensateStep(request(state, step, step.compensation));
}

/** Pins a timeout if the step is still waiting for its outcome when its deadline passes here. */
export async function watchDeadline(ctx: TaskContext, index: number, ms: number): Promise<void> {
  const { state, type } = ctx;
  const waiting = () => readySteps(state, type).includes(index);
  if (await condition(() => !waiting(), ms)) return;
  const step = type.steps[index];
  const id = messageId(state.processId, 'step-timeout', step.name, state.member);
  await publish(state, { kind: 'step-timeout', id, processId: state.processId, author: state.member, step: step.name });
}

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
