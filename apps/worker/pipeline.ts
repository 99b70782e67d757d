import type { RawLog } from '../shared/chain/batch-log.js';
import { NewHeads } from '../shared/chain/new-heads.js';
import type { SequencerClient } from '../shared/chain/sequencer.js';
import type { Logger } from '../shared/logger.js';
import type { CatchUpWatch } from './ledger/catch-up.js';
import type { DataRecovery } from './ledger/data-recovery.js';
import type { LedgerDispatcher } from './ledger/ledger-dispatcher.js';
import type { LedgerListener } from './ledger/ledger-listener.js';
import type { LedgerProjector } from './ledger/ledger-projector.js';
import type { BlockSchedule } from './outbox/block-schedule.js';
import type { MessageSender } from './outbox/message-sender.js';
import type { PinBatcher } from './outbox/pin-batcher.js';
import { repeat } from './repeat.js';

/** How often a stage with nothing to do and no reason to hurry looks again. */
export const QUIET_POLL_MS = 1_000;

/** The stages of a member's two pipelines: reading the ledger, and sending. */
export interface Stages {
  listener: LedgerListener;
  projector: LedgerProjector;
  recovery: DataRecovery;
  dispatcher: LedgerDispatcher;
  catchUp: CatchUpWatch;
  sender: MessageSender;
  pinner: PinBatcher;
  /** Fed the chain's heads: on a chain with a block time, batches go out just before each block. */
  schedule: BlockSchedule;
}

export interface PipelineOptions {
  sequencer: SequencerClient;
  /** Where the chain announces new blocks (and pushes their logs); polling alone without it. */
  chainWsUrl?: string;
  chainConfirmations: number;
  /** How often the listener polls (and the projector while pins wait for a peer's data). */
  ledgerPollMs: number;
  log: Logger;
}

/**
 * Runs each stage in a loop of its own and wires which stage wakes which, so
 * that work flows on as soon as it is made:
 *
 *   chain heads → listener → projector → dispatcher → workflows
 *                    ↘ data recovery ↗
 *   activities → sender → pin batcher → chain → listener
 *
 * Only the listener (other members' blocks, unless the chain announces them)
 * and the projector while pins wait for a peer's data poll every
 * `ledgerPollMs`; otherwise a stage looks again once a second, in case a
 * wake-up was missed.
 */
export class Pipeline {
  private readonly loops: ReturnType<typeof repeat>[] = [];
  private readonly heads?: NewHeads;

  constructor(
    private readonly stages: Stages,
    options: PipelineOptions,
  ) {
    const { listener, projector, recovery, dispatcher, catchUp, sender, pinner, schedule } = stages;
    const { log, sequencer } = options;
    const onError = (what: string) => (err: unknown) => log.error(`${what} failed; retrying`, { error: String(err) });

    // Nothing goes to the workflows before the listener has read up to the
    // chain head once: a member rebuilding from block 0 would otherwise start
    // workflows on the first part of a history and act on steps long decided.
    // Once per start, before the first delivery: processes whose workflow
    // Temporal lost (its namespace emptied, this database kept) start again.
    let missingChecked = false;
    const deliver = repeat(
      async () => {
        if (!listener.reachedHead) return 0;
        if (!missingChecked) {
          await dispatcher.restartMissing();
          missingChecked = true;
        }
        return dispatcher.dispatchOnce();
      },
      QUIET_POLL_MS,
      onError('ledger delivery'),
    );
    let dataAwaited = true;
    const project = repeat(
      async () => {
        const { pins, more } = await projector.projectOnce();
        if (pins > 0) deliver.wake();
        // A pass that did not fill up took every ready context: no second look
        // just to find nothing (each costs a query per pin read from the chain).
        if (more) return 1;
        dataAwaited = await catchUp.check(() => projector.awaitsData());
        return 0;
      },
      () => (dataAwaited ? options.ledgerPollMs : QUIET_POLL_MS),
      onError('ledger projection'),
    );
    const recover = repeat(
      async () => {
        const stored = await recovery.recoverOnce();
        if (stored > 0) project.wake();
        return stored;
      },
      QUIET_POLL_MS,
      onError('private data recovery'),
    );
    // Announced blocks wake the reader. With each block come its BatchPinned
    // logs (where the chain pushes them): recorded at once, they reach the
    // projector a chain round trip sooner.
    this.heads = options.chainWsUrl
      ? new NewHeads(
          options.chainWsUrl,
          (blockNumber) => {
            if (blockNumber !== undefined) {
              listener.announced(blockNumber);
              schedule.headSeen();
            }
            read.wake();
          },
          log,
          undefined,
          options.chainConfirmations > 0
            ? undefined // batches are taken only once confirmed: a push would come too early to use
            : { filter: sequencer.batchLogFilter(), onLog: (raw) => pushBatch(sequencer, listener, raw as RawLog) },
        )
      : undefined;
    const read = repeat(
      async () => {
        const hadReachedHead = listener.reachedHead;
        if ((await listener.recordPushed()) > 0) project.wake();
        const batches = await listener.pollOnce();
        if (batches > 0) {
          project.wake();
          // Data normally comes pushed before its pin: once the listener follows
          // the head the recovery's one-second round is soon enough; while it
          // reads history (a rebuild, a restart after a long stop) it runs at once.
          if (!hadReachedHead || !listener.atHead) recover.wake();
        }
        if (!hadReachedHead && listener.reachedHead) deliver.wake();
        // Straight on while the cursor is behind the head: a rebuild reads block 0 onwards at full speed.
        return batches > 0 || !listener.atHead ? 1 : 0;
      },
      // While the chain announces its blocks, polling is only a safety net.
      () => (this.heads?.live ? QUIET_POLL_MS : options.ledgerPollMs),
      onError('ledger read'),
    );
    // Messages this member published go to its peers, then to the pinner.
    const send = repeat(
      () => sender.sendOnce(),
      () => sender.nextRetryMs(QUIET_POLL_MS),
      onError('message delivery'),
    );
    sender.onAdded = () => send.wake();
    sender.onQueued = () => pinner.nudge();
    // A batch this member just pinned is on the chain: read it now rather than at the next poll.
    pinner.onPinned = () => read.wake();
    this.loops.push(read, project, recover, deliver, send);
  }

  /** The loops run from construction; this starts the head feed and the pinner. */
  start(): void {
    this.heads?.start();
    this.stages.pinner.start();
  }

  /** Stops the loops, saves the listener's cursor, then lets the pinner send what it holds. */
  async stop(log: Logger): Promise<void> {
    this.heads?.stop();
    await Promise.all(this.loops.map((l) => l.stop()));
    await this.stages.listener
      .saveCursor()
      .catch((err: unknown) => log.warn('saving the ledger cursor failed', { error: String(err) }));
    await this.stages.pinner.stop();
  }
}

/** A batch log the chain pushed: recorded ahead of the next read when it continues the recorded pins. */
function pushBatch(sequencer: SequencerClient, listener: LedgerListener, raw: RawLog): void {
  try {
    const batch = sequencer.toBatch(raw);
    if (batch) listener.pushed(batch);
  } catch {
    // Not a log this reader can decode: the read of its block reports it.
  }
}
