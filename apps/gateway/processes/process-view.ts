import type { Cancellation, StepView } from '../../../workflows/process-state.js';
import type { ProcessView } from '../../shared/api/process-view.js';
import type { MemberConfig } from '../../shared/config.js';
import type { ProcessRecord } from '../../shared/db/entities.js';
import { canonicalJson, hashText } from '../../shared/exchange/canonical.js';

/**
 * keccak256 of what every member must agree on, all of it decided by ledger
 * order alone: members with the same ledger history report the same digest.
 * Local details (effects, outputs, times, workflow ids) stay out.
 */
export function processDigest(row: ProcessRecord): string {
  const steps = row.steps as StepView[];
  const cancellations = (row.cancellations ?? []) as Cancellation[];
  return hashText(
    canonicalJson({
      type: row.type,
      status: row.status,
      reason: row.reason ?? undefined,
      rejectedBy: row.rejectedBy ?? undefined,
      startPin: row.startPin ?? undefined,
      steps: steps.map(({ name, member, status, pin, compensationPin }) => ({
        name,
        member,
        status,
        pin,
        compensationPin,
      })),
      cancellations: cancellations.map(({ requestedBy, pin, outcome }) => ({ requestedBy, pin, outcome })),
    }),
  );
}

/** A member's view of a process as the API shows it, from its stored row. */
export function processView(row: ProcessRecord, config: MemberConfig): ProcessView {
  const ns = config.temporalNamespace;
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    member: config.memberName,
    initiator: row.initiator,
    participants: row.participants,
    input: row.input,
    steps: row.steps as StepView[],
    reason: row.reason ?? undefined,
    rejectedBy: row.rejectedBy ?? undefined,
    failedStep: row.failedStep ?? undefined,
    cancellations: (row.cancellations ?? []) as Cancellation[],
    startPin: row.startPin ?? undefined,
    digest: processDigest(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    workflow: {
      namespace: ns,
      workflowId: row.workflowId,
      url: `${config.temporalUiUrl}/namespaces/${encodeURIComponent(ns)}/workflows/${encodeURIComponent(row.workflowId)}`,
    },
  };
}
