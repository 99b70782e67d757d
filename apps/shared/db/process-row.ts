import { processWorkflowId } from '../../../workflows/definitions.js';
import type { ProcessState } from '../../../workflows/process-state.js';
import type { ProcessRecord } from './entities.js';

/** The `processes` row for a member's view of a process. */
export function processRow(state: ProcessState, createdAt: string, updatedAt: string): ProcessRecord {
  return {
    id: state.processId,
    type: state.processType,
    status: state.status,
    initiator: state.initiator,
    participants: state.participants,
    input: state.input,
    steps: state.steps,
    reason: state.reason ?? null,
    rejectedBy: state.rejectedBy ?? null,
    startPin: state.startPin ?? null,
    cancellations: state.cancellations,
    failedStep: state.failedStep ?? null,
    appliedIndex: state.appliedIndex,
    workflowId: processWorkflowId(state.processType, state.processId, state.member),
    createdAt,
    updatedAt,
  };
}
