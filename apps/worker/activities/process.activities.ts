import type { DataSource } from 'typeorm';
import { ApplicationFailure } from '@temporalio/activity';
import type { ProcessActivities, StepRequest, StepResult } from '../../../workflows/activities.js';
import { participantMembers } from '../../../workflows/messages.js';
import { loadConfig } from '../../shared/config.js';
import { pushReferencedBlobs } from '../../shared/exchange/blob-push.js';
import { storeMessage } from '../../shared/exchange/message-store.js';
import type { DataExchange } from '../data-exchange.js';
import type { PinBatcher } from '../pin-batcher.js';
import type { StepImplementations } from '../process-types/index.js';

export interface ProcessActivityDeps {
  member: string;
  ds: DataSource;
  exchange: DataExchange;
  pinner: PinBatcher;
  implementations: StepImplementations;
  /** The member's blob folder; read from the configuration (BLOB_DIR) when not given. */
  blobDir?: string;
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
  return {
    async runStep(request): Promise<StepResult> {
      return implementation(request)(request);
    },
    async compensateStep(request) {
      const { output } = await implementation(request)(request);
      return { output };
    },
    async publishMessage({ message, participants }) {
      // Store first, deliver to every other participant, then pin: the data is
      // at every member before its hash can appear on the ledger.
      const stored = await storeMessage(deps.ds, message, deps.member);
      const peers = participantMembers(participants).filter((m) => m !== deps.member);
      // Blobs the message refers to go first: a peer that has the message has its blobs.
      const blobDir = () => (deps.blobDir ??= loadConfig().blobDir);
      await pushReferencedBlobs(deps.ds, blobDir, deps.exchange, message, peers);
      await Promise.all(peers.map((peer) => deps.exchange.send(peer, stored.body)));
      await deps.pinner.enqueue(stored.hash, stored.context, message.id);
      return { hash: stored.hash };
    },
  };
}
