/**
 * The JSON an app gets for a process: declared once here, built by the
 * gateway (apps/gateway/processes/process-view.ts) and read by the CLI. It
 * imports types only, so a client that imports it loads no server code.
 */
import type { ProcessState, ProcessStatus } from '../../../workflows/process-state.js';

/** What the view shows of the member's process state, as the state machine declares it. */
type StateFields =
  | 'member'
  | 'initiator'
  | 'participants'
  | 'input'
  | 'steps'
  | 'reason'
  | 'rejectedBy'
  | 'failedStep'
  | 'cancellations'
  | 'startPin';

/** A member's view of a process (GET /api/v1/processes, and each item of its list). */
export interface ProcessView extends Pick<ProcessState, StateFields> {
  /** The state's processId. */
  id: string;
  /** The state's processType. */
  type: string;
  /** A ProcessStatus, as stored. */
  status: string;
  /** keccak256 of what every member must agree on: equal everywhere once they agree. */
  digest: string;
  createdAt: string;
  updatedAt: string;
  /** The member's workflow for the process, with its page in the Temporal UI. */
  workflow: { namespace: string; workflowId: string; url: string };
}

/** An effect this member's own systems recorded for a step (an action, or its compensation). */
export interface EffectView {
  step: string;
  kind: string;
  description: string;
  recordedAt: string;
}

/** One process with its effects at this member: GET /api/v1/processes/{id}, and the answer to a start. */
export interface ProcessDetail extends ProcessView {
  effects: EffectView[];
}

/** A page of GET /api/v1/processes. */
export interface ProcessList {
  items: ProcessView[];
  total: number;
  limit: number;
  skip: number;
}

/** Statuses after which the process changes no more without a person acting (a failed one waits for a retry). */
export const FINAL_STATUSES: readonly string[] = ['completed', 'compensated', 'failed'] satisfies ProcessStatus[];
