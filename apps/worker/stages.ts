import type { Client } from '@temporalio/client';
import { Wallet } from 'ethers';
import type { DataSource } from 'typeorm';
import { MemberDirectory } from '../shared/chain/member-directory.js';
import type { SequencerClient } from '../shared/chain/sequencer.js';
import type { MemberConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { CatchUpWatch } from './ledger/catch-up.js';
import { DataRecovery } from './ledger/data-recovery.js';
import { LedgerDispatcher } from './ledger/ledger-dispatcher.js';
import { LedgerListener } from './ledger/ledger-listener.js';
import { LedgerProjector } from './ledger/ledger-projector.js';
import type { WorkerMetrics } from './observability/metrics.js';
import { BlockSchedule } from './outbox/block-schedule.js';
import { DataExchange } from './outbox/data-exchange.js';
import { MessageSender } from './outbox/message-sender.js';
import { PinBatcher } from './outbox/pin-batcher.js';
import { QUIET_POLL_MS, type Stages } from './pipeline.js';

export interface StageDeps {
  config: MemberConfig;
  ds: DataSource;
  sequencer: SequencerClient;
  /** The dispatcher's way into the member's Temporal namespace. */
  temporal: Client;
  log: Logger;
  metrics: WorkerMetrics;
}

/** Every stage of the member's two pipelines, made from its settings; pipeline.ts wires and runs them. */
export function createStages({ config, ds, sequencer, temporal, log, metrics }: StageDeps): Stages {
  const directory = new MemberDirectory(sequencer);
  const wallet = new Wallet(config.memberKey);
  const member = config.memberName;
  const schedule = new BlockSchedule(config.pinSendAheadMs);
  const listener = new LedgerListener(
    ds,
    sequencer,
    log,
    { startBlock: config.sequencerStartBlock, confirmations: config.chainConfirmations },
    metrics,
  );
  return {
    listener,
    projector: new LedgerProjector(ds, directory, member, log),
    recovery: new DataRecovery(ds, directory, wallet, member, config.blobDir, log),
    dispatcher: new LedgerDispatcher(ds, temporal, directory, member, log, metrics, config.ledgerHoldMs),
    catchUp: new CatchUpWatch(ds, listener, log),
    sender: new MessageSender(ds, new DataExchange(member, wallet, directory), () => config.blobDir, log, metrics),
    pinner: new PinBatcher(
      ds,
      sequencer,
      log,
      {
        maxBatch: config.pinBatchMax,
        lingerMs: config.pinLingerMs,
        busyLingerMs: config.pinBusyLingerMs,
        idleMs: QUIET_POLL_MS,
        schedule,
      },
      metrics,
    ),
    schedule,
  };
}
