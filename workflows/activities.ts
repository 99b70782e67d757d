/**
 * The activity contracts the process workflow depends on. Workers implement
 * them (apps/worker); the workflow imports these types only, never code.
 */
import type { LedgerMessage } from './messages.js';
import type { ProcessEvent, ProcessState } from './process-state.js';

export interface StepRequest {
  processId: string;
  processType: string;
  step: string;
  /** Activity name from the process type: the action, or the compensation. */
  activity: string;
  input: unknown;
  participants: Record<string, string>;
  member: string;
}

export interface StepResult {
  outcome: 'done' | 'rejected';
  output?: unknown;
  reason?: string;
}

export interface ProcessActivities {
  /** Runs a step's action in the member's own systems; effects must be idempotent. */
  runStep(request: StepRequest): Promise<StepResult>;
  /** Undoes a step's action; idempotent, so a retry has no second effect. */
  compensateStep(request: StepRequest): Promise<{ output?: unknown }>;
  /** Stores the message and queues it for every other participant, then for pinning (in that order). */
  publishMessage(request: { message: LedgerMessage; participants: Record<string, string> }): Promise<{ hash: string }>;
}

export interface ProjectionActivities {
  /** Saves the member's view of the process and appends its new events to the event log. */
  recordProcess(request: { state: ProcessState; events: ProcessEvent[] }): Promise<void>;
}
