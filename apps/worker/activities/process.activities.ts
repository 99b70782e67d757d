import type { DataSource } from 'typeorm';
import { ApplicationFailure } from '@temporalio/activity';
import type { ProcessActivities, StepRequest, StepResult } from '../../../workflows/activities.js';
import { participantMembers } from '../../../workflows/messages.js';
import { storeMessage } from '../../shared/exchange/message-store.js';
import type { Logger } from '../../shared/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import type { MessageSender } from '../outbox/message-sender.js';
import type { StepImplementations } from '../process-types/index.js';

export interface ProcessActivityDeps {
  member: string;
  ds: DataSource;
  sender: MessageSender;
  implementations: StepImplementations;
  log?: Logger;
  metrics?: WorkerMetrics;
}

/** Builds the activities of the process workflow, bound once in the worker. */
export function createProcessActivities(deps: ProcessActivityDeps): ProcessActivities {
  const implementation = (request: StepRequest) => {
    const impl = deps.implementations[request.processType]?.[request.activity];
    if (!impl)
      throw ApplicationFailure.nonRetryable(
        `member ${deps.member} has no implementation of ${request.processType}.${request.activity}`,
        'MissingImplementation',
      );
    return impl;
  };
  /** Runs one attempt of an action or compensation, timed and logged with its process and step. */
  const run = async (request: StepRequest, kind: 'action' | 'compensation'): Promise<StepResult> => {
    const log = deps.log?.child({ processId: request.processId, processType: request.processType, step: request.step });
    const started = Date.now();
    const labels = { process_type: request.processType, step: request.step, kind };
    const attempt = () => implementation(request)(request);
    try {
      const result = await (deps.metrics ? deps.metrics.timeStep(labels, attempt) : attempt());
      log?.info(`step ${kind} ${result.outcome}`, {
        activity: request.activity,
        kind,
        outcome: result.outcome,
        reason: result.reason,
        durationMs: Date.now() - started,
      });
      return result;
    } catch (err) {
      log?.warn(`step ${kind} failed`, {
        activity: request.activity,
        kind,
        error: (err as Error).message,
        durationMs: Date.now() - started,
      });
      throw err;
    }
  };
  return {
    async runStep(request): Promise<StepResult> {
      return run(request, 'action');
    },
    async compensateStep(request) {
      const { output } = await run(request, 'compensation');
      return { output };
    },
    async publishMessage({ message, participants }) {
      // Stored here, then delivered to every other participant and only then
      // pinned, by the message sender: the data is at every member before its
      // hash can appear on the ledger, and a slow peer holds up no workflow task.
      const stored = await storeMessage(deps.ds, message, deps.member);
      const peers = participantMembers(participants).filter((m) => m !== deps.member);
      await deps.sender.add(stored.hash, stored.context, message.id, peers);
      deps.log?.debug('message stored; delivery and pin queued', {
        processId: message.processId,
        kind: message.kind,
        messageId: message.id,
        hash: stored.hash,
        peers,
      });
      return { hash: stored.hash };
    },
  };
}
