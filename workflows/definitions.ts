/**
 * Signals, queries, search attributes and naming shared by the workflow, the
 * worker and the gateway: defined once, here, beside the workflow.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LedgerDelivery } from './messages.js';
import type { ProcessState } from './process-state.js';

export const TASK_QUEUE = 'baton-process';

/** The ledger listener delivers each pinned message of the process with this signal. */
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
