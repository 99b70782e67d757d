/**
 * Signals, queries, search attributes and naming shared by the workflow, the
 * worker and the gateway: defined once, here, beside the workflow.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type * as workflows from './index.js';
import type { LedgerDelivery } from './messages.js';
import type { ProcessState } from './process-state.js';

export const TASK_QUEUE = 'baton-process';

/**
 * The workflow type every member starts for a process: the name under which
 * the worker's bundle exports it (checked against that export). Start it as
 * `start<typeof processWorkflow>(PROCESS_WORKFLOW, ...)`, so the arguments are
 * checked against the function without loading workflow code.
 */
export const PROCESS_WORKFLOW = 'processWorkflow' satisfies keyof typeof workflows;

/**
 * The ledger dispatcher delivers the process's pinned messages with this
 * signal, in order, several at a time when the earlier ones asked nothing of
 * the member (the worker's delivery policy, apps/worker/ledger/delivery-policy.ts).
 */
export const ledgerEventsSignal = defineSignal<[LedgerDelivery[]]>('ledgerEvents');
/** One delivery a signal: how the dispatcher delivered before ledgerEventsSignal; older histories hold it. */
export const ledgerEventSignal = defineSignal<[LedgerDelivery]>('ledgerEvent');
export const processStateQuery = defineQuery<ProcessState>('processState');

export const SEARCH_ATTRIBUTES = {
  processType: defineSearchAttributeKey('BatonProcessType', 'KEYWORD'),
  status: defineSearchAttributeKey('BatonStatus', 'KEYWORD'),
  member: defineSearchAttributeKey('BatonMember', 'KEYWORD'),
} as const;

/** Readable in the Temporal UI: `{processType}/{processId}/{member}`. */
export function processWorkflowId(processType: string, processId: string, member: string): string {
  return `${processType}/${processId}/${member}`;
}

/**
 * How every member starts its process workflow (the gateway for the
 * initiator, the ledger dispatcher for the others): the same id, queue,
 * search attributes and memo, and a finished process is never started again.
 */
export function processWorkflowOptions(p: {
  processType: string;
  processId: string;
  member: string;
  initiator: string;
  participants: Record<string, string>;
}) {
  return {
    workflowId: processWorkflowId(p.processType, p.processId, p.member),
    taskQueue: TASK_QUEUE,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.processType, value: p.processType },
      { key: SEARCH_ATTRIBUTES.status, value: 'running' },
      { key: SEARCH_ATTRIBUTES.member, value: p.member },
    ],
    memo: { participants: p.participants, initiator: p.initiator },
  };
}

/** A person's decision on a decision step, at the member that owns it. */
export interface StepDecision {
  step: string;
  approve: boolean;
  comment?: string;
}

/** Failure types the update validators raise; the gateway maps them to HTTP statuses. */
export const UPDATE_REFUSALS = {
  notYourStep: 'NotYourStep',
  unknownStep: 'UnknownStep',
  stepNotReady: 'StepNotReady',
  alreadyDecided: 'AlreadyDecided',
  tooLate: 'TooLate',
  alreadyRequested: 'AlreadyRequested',
  notFailed: 'NotFailed',
} as const;

export const decideStepUpdate = defineUpdate<{ accepted: true }, [StepDecision]>('decideStep');
export const requestCancelUpdate = defineUpdate<{ messageId: string }, [{ reason: string }]>('requestCancel');
export const retryCompensationUpdate = defineUpdate<{ step: string }, []>('retryCompensation');
