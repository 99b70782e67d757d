import type { ProcessEvent, ProcessState } from '../../../workflows/process-state.js';
import type { NewEvent } from './event-log.js';
import type { ProcessRecord } from './entities.js';

/**
 * The `processes` row for a member's view of a process. What the state does not
 * hold comes from the writer: the times, and the id of the member's workflow
 * (workflows/definitions.ts names it, and code under apps/shared imports no
 * workflow code).
 */
export function processRow(
  state: ProcessState,
  { workflowId, createdAt, updatedAt }: Pick<ProcessRecord, 'workflowId' | 'createdAt' | 'updatedAt'>,
): ProcessRecord {
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
    workflowId,
    createdAt,
    updatedAt,
  };
}

/** The event-log entries of process events; the keys are the state machine's, so every writer appends each once. */
export function processEventRecords(events: ProcessEvent[]): NewEvent[] {
  return events.map((e) => ({
    key: e.key,
    type: e.type,
    processId: e.processId,
    processType: e.processType,
    topic: e.processType,
    correlator: e.processId,
    data: { status: e.status, step: e.step, pin: e.pin, author: e.author, reason: e.reason },
  }));
}

/** A `processes` row as stored, for hand-written statements: the JSON columns as text, as TypeORM's simple-json writes them. */
export function storedProcessRow(row: ProcessRecord): object {
  const json = (value: unknown) => JSON.stringify(value ?? null);
  return {
    ...row,
    participants: json(row.participants),
    input: json(row.input),
    steps: json(row.steps),
    cancellations: json(row.cancellations),
  };
}
