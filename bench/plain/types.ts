import type { StepRequest, StepResult } from '../../workflows/activities.js';

export const PLAIN_TASK_QUEUE = 'bench-plain';

export interface PlainTradeArgs {
  processId: string;
  member: string;
  input: unknown;
  participants: Record<string, string>;
}

export interface PlainActivities {
  /** The same step activity as Baton's (the member's effect row in its own database). */
  runStep(request: StepRequest): Promise<StepResult>;
  /** Signals the step to the other participants' workflows (Temporal to Temporal, no ledger). */
  notifyPeers(request: { processId: string; participants: Record<string, string>; index: number }): Promise<void>;
}

export function plainWorkflowId(processId: string, member: string): string {
  return `plain-trade/${processId}/${member}`;
}
