/**
 * The deterministic heart of a process: a state that changes only by applying
 * ledger deliveries in index order. Every member applies the same deliveries
 * in the same order, so every member reaches the same state.
 */
import type { LedgerDelivery } from './messages.js';
import type { ProcessTypeDefinition, StepDefinition } from './process-types/index.js';

export type ProcessStatus = 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';
export type StepStatus = 'pending' | 'done' | 'rejected' | 'compensated';

export interface StepView {
  name: string;
  owner: string;
  member: string;
  status: StepStatus;
  output?: unknown;
  reason?: string;
  /** Global pin number of the step's outcome. */
  pin?: number;
  /** Global pin number of the step's compensation. */
  compensationPin?: number;
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
  /** Global pin number of the process-started message; unset until confirmed on the ledger. */
  startPin?: number;
  /** Index of the last delivery applied; deliveries apply strictly as appliedIndex + 1. */
  appliedIndex: number;
  /** Deliveries that were in order but not valid (wrong author, wrong step); the same at every member. */
  ignored: { index: number; pin: number; reason: string }[];
  /** Count of events produced so far; gives each event a stable id. */
  eventCount: number;
}

export type ProcessEventType =
  | 'process-started'
  | 'step-done'
  | 'step-rejected'
  | 'step-compensated'
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

export type NextAction = { kind: 'action'; step: StepDefinition } | { kind: 'compensate'; step: StepDefinition } | null;

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
    appliedIndex: 0,
    ignored: [],
    eventCount: 0,
  };
}

export function isTerminal(status: ProcessStatus): boolean {
  return status === 'completed' || status === 'compensated' || status === 'failed';
}

/** What the local member must do now, if anything. */
export function nextAction(state: ProcessState, type: ProcessTypeDefinition): NextAction {
  if (state.startPin === undefined) return null;
  if (state.status === 'running') {
    const i = state.steps.findIndex((s) => s.status === 'pending');
    if (i >= 0 && state.steps[i].member === state.member) return { kind: 'action', step: type.steps[i] };
  }
  if (state.status === 'compensating') {
    const i = lastDoneStep(state);
    if (i >= 0 && state.steps[i].member === state.member) return { kind: 'compensate', step: type.steps[i] };
  }
  return null;
}

/** Applies the delivery at appliedIndex + 1 and returns the events it caused. */
export function applyDelivery(state: ProcessState, delivery: LedgerDelivery): ProcessEvent[] {
  if (delivery.index !== state.appliedIndex + 1) throw new Error(`delivery ${delivery.index} out of order`);
  state.appliedIndex = delivery.index;
  const problem = validate(state, delivery);
  if (problem) {
    state.ignored.push({ index: delivery.index, pin: delivery.pin, reason: problem });
    return [];
  }
  const m = delivery.message;
  const events: ProcessEvent[] = [];
  const emit = (e: Omit<ProcessEvent, 'key' | 'processId' | 'processType' | 'status'>) =>
    events.push({
      key: `${state.processId}/${state.member}/${++state.eventCount}`,
      processId: state.processId,
      processType: state.processType,
      status: state.status,
      ...e,
    });
  if (m.kind === 'process-started') {
    state.startPin = delivery.pin;
    emit({ type: 'process-started', pin: delivery.pin, author: m.author });
  } else if (m.kind === 'step-outcome') {
    const step = state.steps.find((s) => s.name === m.step)!;
    step.pin = delivery.pin;
    step.output = m.output;
    if (m.outcome === 'done') {
      step.status = 'done';
      emit({ type: 'step-done', step: step.name, pin: delivery.pin, author: m.author });
      if (state.steps.every((s) => s.status === 'done')) {
        state.status = 'completed';
        emit({ type: 'process-completed' });
      }
    } else {
      step.status = 'rejected';
      step.reason = m.reason;
      state.reason = m.reason;
      state.rejectedBy = m.author;
      emit({ type: 'step-rejected', step: step.name, pin: delivery.pin, author: m.author, reason: m.reason });
      state.status = 'compensating';
      emit({ type: 'process-compensating', reason: m.reason });
      settleCompensation(state, emit);
    }
  } else {
    const step = state.steps.find((s) => s.name === m.step)!;
    step.status = 'compensated';
    step.compensationPin = delivery.pin;
    emit({ type: 'step-compensated', step: step.name, pin: delivery.pin, author: m.author });
    settleCompensation(state, emit);
  }
  return events;
}

/** Ends the compensation once no completed step is left to undo. */
function settleCompensation(state: ProcessState, emit: (e: Pick<ProcessEvent, 'type' | 'reason'>) => void): void {
  if (lastDoneStep(state) < 0) {
    state.status = 'compensated';
    emit({ type: 'process-compensated', reason: state.reason });
  }
}

/** Marks the process failed at the local member (a compensation could not be carried out). */
export function failProcess(state: ProcessState, step: string, reason: string): ProcessEvent {
  state.status = 'failed';
  state.reason = `compensation of ${step} failed: ${reason}`;
  return {
    key: `${state.processId}/${state.member}/${++state.eventCount}`,
    type: 'process-failed',
    processId: state.processId,
    processType: state.processType,
    status: state.status,
    step,
    reason: state.reason,
  };
}

function lastDoneStep(state: ProcessState): number {
  for (let i = state.steps.length - 1; i >= 0; i--) if (state.steps[i].status === 'done') return i;
  return -1;
}

/** Why a delivery cannot apply now, or undefined when it can. Pure: every member decides alike. */
function validate(state: ProcessState, d: LedgerDelivery): string | undefined {
  const m = d.message;
  if (m.processId !== state.processId) return `message for another process (${m.processId})`;
  if (m.author !== d.author) return `message by ${m.author} pinned by ${d.author}`;
  if (m.kind === 'process-started') return state.startPin === undefined ? undefined : 'process already started';
  if (state.startPin === undefined) return 'process not started on the ledger yet';
  const i = state.steps.findIndex((s) => s.name === m.step);
  if (i < 0) return `unknown step ${m.step}`;
  const step = state.steps[i];
  if (step.member !== m.author) return `step ${m.step} belongs to ${step.member}, not ${m.author}`;
  if (m.kind === 'step-outcome') {
    if (state.status !== 'running') return `process is ${state.status}`;
    if (state.steps.findIndex((s) => s.status === 'pending') !== i) return `step ${m.step} is not the next step`;
    return undefined;
  }
  if (state.status !== 'compensating') return `process is ${state.status}, nothing to compensate`;
  if (lastDoneStep(state) !== i) return `step ${m.step} is not the next to compensate`;
  return undefined;
}
