/**
 * The deterministic heart of a process: a state that changes only by applying
 * ledger deliveries in index order. Every member applies the same deliveries
 * in the same order through these pure functions, so every member reaches the
 * same state; races (a cancel against a step, a timeout against an outcome)
 * are decided by ledger order alone.
 */
import type { LedgerDelivery, LedgerMessage } from './messages.js';
import { stepDependencies, type ProcessTypeDefinition, type StepDefinition } from './process-types/index.js';

export type ProcessStatus = 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';
export type StepStatus = 'pending' | 'done' | 'rejected' | 'compensated';

export interface StepView {
  name: string;
  owner: string;
  member: string;
  status: StepStatus;
  output?: unknown;
  reason?: string;
  /** Global pin number of the step's outcome (or of the timeout that rejected it). */
  pin?: number;
  /** Global pin number of the step's compensation. */
  compensationPin?: number;
}

export interface Cancellation {
  requestedBy: string;
  reason: string;
  pin: number;
  outcome: 'accepted' | 'refused';
  /** Why a refused request came too late. */
  refusal?: string;
}

export interface ProcessArgs {
  processId: string;
  processType: string;
  /** The member this workflow runs for. */
  member: string;
  initiator: string;
  input: unknown;
  participants: Record<string, string>;
  /** True only at the initiator: it publishes the process-started message. */
  initiate?: boolean;
  /**
   * What the ledger already holds for the process when the dispatcher starts
   * the workflow (a member rebuilding from block 0, or a workflow started after
   * several pins): applied before the member acts, so nothing the ledger
   * already decided is done again.
   */
  history?: LedgerDelivery[];
}

export interface ProcessState {
  processId: string;
  processType: string;
  member: string;
  initiator: string;
  input: unknown;
  participants: Record<string, string>;
  status: ProcessStatus;
  steps: StepView[];
  reason?: string;
  rejectedBy?: string;
  /** The step whose compensation failed, while the process is failed. */
  failedStep?: string;
  cancellations: Cancellation[];
  /** Global pin number of the process-started message; unset until confirmed on the ledger. */
  startPin?: number;
  /** Index of the last delivery applied; deliveries apply strictly as appliedIndex + 1. */
  appliedIndex: number;
  /** Deliveries that were in order but not valid (wrong author, too late); the same at every member. */
  ignored: { index: number; pin: number; reason: string; messageId: string }[];
  /** Count of events produced so far; gives each event a stable id. */
  eventCount: number;
}

export type ProcessEventType =
  | 'process-started'
  | 'step-done'
  | 'step-rejected'
  | 'step-timed-out'
  | 'step-compensated'
  | 'cancel-accepted'
  | 'cancel-refused'
  | 'compensation-failed'
  | 'process-compensating'
  | 'process-completed'
  | 'process-compensated'
  | 'process-failed';

export interface ProcessEvent {
  /** Stable per process and member: `${processId}/${member}/${n}`. */
  key: string;
  type: ProcessEventType;
  processId: string;
  processType: string;
  status: ProcessStatus;
  step?: string;
  pin?: number;
  author?: string;
  reason?: string;
}

export interface StepAction {
  kind: 'action' | 'compensate';
  step: StepDefinition;
}
export type NextAction = StepAction | null;

export function initialState(args: ProcessArgs, type: ProcessTypeDefinition): ProcessState {
  return {
    processId: args.processId,
    processType: args.processType,
    member: args.member,
    initiator: args.initiator,
    input: args.input,
    participants: args.participants,
    status: 'running',
    steps: type.steps.map((s) => ({
      name: s.name,
      owner: s.owner,
      member: args.participants[s.owner],
      status: 'pending',
    })),
    cancellations: [],
    appliedIndex: 0,
    ignored: [],
    eventCount: 0,
  };
}

export function isTerminal(status: ProcessStatus): boolean {
  return status === 'completed' || status === 'compensated';
}

/** Pending steps whose dependencies are all done: they may start now (in parallel). */
export function readySteps(
  state: Pick<ProcessState, 'startPin' | 'status' | 'steps'>,
  type: ProcessTypeDefinition,
): number[] {
  if (state.startPin === undefined || state.status !== 'running') return [];
  const done = new Set(state.steps.filter((s) => s.status === 'done').map((s) => s.name));
  return state.steps.flatMap((s, i) =>
    s.status === 'pending' && stepDependencies(type, i).every((d) => done.has(d)) ? [i] : [],
  );
}

/** The completed step to undo next: the one whose outcome is latest on the ledger. */
export function nextToCompensate(state: ProcessState): number {
  let best = -1;
  state.steps.forEach((s, i) => {
    if (s.status === 'done' && (best < 0 || s.pin! > state.steps[best].pin!)) best = i;
  });
  return best;
}

/** What the local member must do now: its ready steps' actions, or the next compensation if it is its own. */
export function nextActions(state: ProcessState, type: ProcessTypeDefinition): StepAction[] {
  if (state.status === 'running')
    return readySteps(state, type)
      .filter((i) => state.steps[i].member === state.member)
      .map((i): StepAction => ({ kind: 'action', step: type.steps[i] }));
  if (state.status === 'compensating') {
    const i = nextToCompensate(state);
    if (i >= 0 && state.steps[i].member === state.member) return [{ kind: 'compensate', step: type.steps[i] }];
  }
  return [];
}

/** The first of nextActions, for callers that act one at a time. */
export function nextAction(state: ProcessState, type: ProcessTypeDefinition): NextAction {
  return nextActions(state, type)[0] ?? null;
}

type Emit = (e: Omit<ProcessEvent, 'key' | 'processId' | 'processType' | 'status'>) => void;

/** Applies the delivery at appliedIndex + 1 and returns the events it caused. */
export function applyDelivery(
  state: ProcessState,
  delivery: LedgerDelivery,
  type: ProcessTypeDefinition,
): ProcessEvent[] {
  if (delivery.index !== state.appliedIndex + 1) throw new Error(`delivery ${delivery.index} out of order`);
  state.appliedIndex = delivery.index;
  const events: ProcessEvent[] = [];
  const emit: Emit = (e) =>
    events.push({
      key: `${state.processId}/${state.member}/${++state.eventCount}`,
      processId: state.processId,
      processType: state.processType,
      status: state.status,
      ...e,
    });
  const problem = validate(state, delivery, type);
  if (problem) {
    state.ignored.push({ index: delivery.index, pin: delivery.pin, reason: problem, messageId: delivery.message.id });
    const m = delivery.message;
    if (m.kind === 'cancel-requested') {
      state.cancellations.push({
        requestedBy: m.author,
        reason: m.reason,
        pin: delivery.pin,
        outcome: 'refused',
        refusal: problem,
      });
      emit({ type: 'cancel-refused', pin: delivery.pin, author: m.author, reason: problem });
    }
    return events;
  }
  apply(state, delivery, emit);
  return events;
}

function apply(state: ProcessState, { message: m, pin }: LedgerDelivery, emit: Emit): void {
  const step = 'step' in m ? state.steps.find((s) => s.name === m.step)! : undefined;
  switch (m.kind) {
    case 'process-started':
      state.startPin = pin;
      emit({ type: 'process-started', pin, author: m.author });
      return;
    case 'step-outcome':
      step!.pin = pin;
      step!.output = m.output;
      if (m.outcome === 'done') {
        step!.status = 'done';
        emit({ type: 'step-done', step: step!.name, pin, author: m.author });
        if (state.steps.every((s) => s.status === 'done')) {
          state.status = 'completed';
          emit({ type: 'process-completed' });
        }
        return;
      }
      step!.status = 'rejected';
      step!.reason = m.reason;
      emit({ type: 'step-rejected', step: step!.name, pin, author: m.author, reason: m.reason });
      return compensate(state, m.reason ?? `step ${step!.name} rejected`, m.author, emit);
    case 'step-timeout': {
      step!.status = 'rejected';
      step!.pin = pin;
      step!.reason = `the deadline of step ${step!.name} passed`;
      emit({ type: 'step-timed-out', step: step!.name, pin, author: m.author, reason: step!.reason });
      return compensate(state, step!.reason, m.author, emit);
    }
    case 'cancel-requested':
      state.cancellations.push({ requestedBy: m.author, reason: m.reason, pin, outcome: 'accepted' });
      emit({ type: 'cancel-accepted', pin, author: m.author, reason: m.reason });
      return compensate(state, `cancelled by ${m.author}: ${m.reason}`, m.author, emit);
    case 'compensation-failed':
      state.status = 'failed';
      state.failedStep = m.step;
      emit({ type: 'compensation-failed', step: m.step, pin, author: m.author, reason: m.reason });
      emit({ type: 'process-failed', step: m.step, reason: `compensation of ${m.step} failed: ${m.reason}` });
      return;
    case 'step-compensated':
      step!.status = 'compensated';
      step!.compensationPin = pin;
      state.failedStep = undefined;
      if (state.status === 'failed') state.status = 'compensating';
      emit({ type: 'step-compensated', step: step!.name, pin, author: m.author });
      return settle(state, emit);
  }
}

function compensate(state: ProcessState, reason: string, by: string, emit: Emit): void {
  state.status = 'compensating';
  state.reason = reason;
  state.rejectedBy = by;
  emit({ type: 'process-compensating', reason });
  settle(state, emit);
}

/** Ends the compensation once no completed step is left to undo. */
function settle(state: ProcessState, emit: Emit): void {
  if (nextToCompensate(state) < 0) {
    state.status = 'compensated';
    emit({ type: 'process-compensated', reason: state.reason });
  }
}

/** Why a delivery cannot apply now, or undefined when it can. Pure: every member decides alike. */
function validate(state: ProcessState, d: LedgerDelivery, type: ProcessTypeDefinition): string | undefined {
  const m: LedgerMessage = d.message;
  if (m.processId !== state.processId) return `message for another process (${m.processId})`;
  if (m.author !== d.author) return `message by ${m.author} pinned by ${d.author}`;
  if (m.kind === 'process-started') return state.startPin === undefined ? undefined : 'process already started';
  if (state.startPin === undefined) return 'process not started on the ledger yet';
  if (!Object.values(state.participants).includes(m.author)) return `${m.author} takes no part in the process`;
  if (m.kind === 'cancel-requested')
    return state.status === 'running' ? undefined : `too late: the process is already ${state.status}`;
  const i = state.steps.findIndex((s) => s.name === m.step);
  if (i < 0) return `unknown step ${m.step}`;
  const step = state.steps[i];
  const ready = () => readySteps(state, type).includes(i);
  if (m.kind === 'step-timeout') {
    if (state.status !== 'running') return `process is ${state.status}`;
    return ready() ? undefined : `step ${m.step} is not waiting for an outcome`;
  }
  if (step.member !== m.author) return `step ${m.step} belongs to ${step.member}, not ${m.author}`;
  if (m.kind === 'step-outcome') {
    if (state.status !== 'running') return `too late: the process is ${state.status}`;
    return ready() ? undefined : `step ${m.step} cannot have an outcome now`;
  }
  const compensating = state.status === 'compensating' || state.status === 'failed';
  if (!compensating) return `process is ${state.status}, nothing to compensate`;
  if (nextToCompensate(state) !== i) return `step ${m.step} is not the next to compensate`;
  if (m.kind === 'compensation-failed' && state.status === 'failed') return 'the process is already failed';
  return undefined;
}
