/**
 * Validators of the workflow's updates: they run before anything is recorded
 * in history, so a refused request leaves no trace; each refusal carries a
 * type the gateway maps to an HTTP status.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { UPDATE_REFUSALS, type StepDecision } from './definitions.js';
import { readySteps, type ProcessState } from './process-state.js';
import type { ProcessTypeDefinition } from './process-types/index.js';

function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export function validateDecision(
  state: ProcessState,
  type: ProcessTypeDefinition,
  decisions: Map<string, StepDecision>,
  decision: StepDecision,
): void {
  const i = type.steps.findIndex((s) => s.name === decision.step);
  if (i < 0 || !type.steps[i].decision)
    refuse(UPDATE_REFUSALS.unknownStep, `${state.processType} has no decision step ${decision.step}`);
  const step = state.steps[i];
  if (step.member !== state.member)
    refuse(UPDATE_REFUSALS.notYourStep, `step ${step.name} is decided by ${step.member}, not ${state.member}`);
  if (decisions.has(step.name) || step.status !== 'pending')
    refuse(UPDATE_REFUSALS.alreadyDecided, `step ${step.name} is already decided`);
  if (!readySteps(state, type).includes(i))
    refuse(UPDATE_REFUSALS.stepNotReady, `step ${step.name} is not waiting for a decision (process ${state.status})`);
}

/** What this member asked for and the ledger has not settled yet. */
export interface LocalRequests {
  cancelRequested: boolean;
  retrying: boolean;
}

export function validateCancel(state: ProcessState, local: LocalRequests): void {
  if (state.status !== 'running') refuse(UPDATE_REFUSALS.tooLate, `too late: the process is already ${state.status}`);
  if (local.cancelRequested || state.cancellations.some((c) => c.requestedBy === state.member))
    refuse(UPDATE_REFUSALS.alreadyRequested, `${state.member} already asked to cancel this process`);
}

export function validateRetry(state: ProcessState, local: LocalRequests): void {
  if (state.status !== 'failed' || !state.failedStep)
    refuse(UPDATE_REFUSALS.notFailed, `the process is ${state.status}; only a failed process can be retried`);
  if (local.retrying) refuse(UPDATE_REFUSALS.alreadyRequested, `a retry of ${state.failedStep} is already running`);
  const step = state.steps.find((s) => s.name === state.failedStep)!;
  if (step.member !== state.member)
    refuse(UPDATE_REFUSALS.notYourStep, `the failed compensation of ${step.name} is retried at ${step.member}`);
}
