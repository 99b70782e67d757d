import { In, type DataSource } from 'typeorm';
import type { SequencerClient } from '../../shared/chain/sequencer.js';
import { writeOnce } from '../../shared/db/data-source.js';
import { PrivateMessageRecord, type OutboundPinRecord } from '../../shared/db/entities.js';
import { marks, sqlRows } from '../../shared/db/sql.js';
import type { Logger } from '../../shared/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import type { BlockSchedule } from './block-schedule.js';
import { addOutbound } from './outbox.js';

export interface PinBatcherOptions {
  /** Most pins in one transaction. */
  maxBatch: number;
  /** How long a batch waits for more pins after the first is found. */
  lingerMs: number;
  /** The linger while pins come faster than one a transaction (see lingerFor); 0: always lingerMs. */
  busyLingerMs?: number;
  /** How long the loop sleeps when nothing is queued, unless woken. */
  idleMs: number;
  /** On a chain that mines on its own schedule, when to send so a batch makes the next block (block-schedule.ts). */
  schedule?: BlockSchedule;
}

/** For how long after a transaction that carried more than one pin the pinner counts as busy. */
export const BUSY_WINDOW_MS = 1_000;

/**
 * How long the next batch lingers. Every block costs each member a ledger
 * read, a database transaction and an event, whatever it carries, so under
 * load fewer, fuller transactions leave more of the machine to the processes
 * (the benchmark's tenth round, docs/benchmarks-history.md). A lone process gains
 * nothing from waiting: its next pin comes only after this one is mined. So
 * the longer linger applies only while pins come faster than one a
 * transaction: within BUSY_WINDOW_MS of a transaction that carried more than one.
 */
export function lingerFor(
  { lingerMs, busyLingerMs = 0 }: Pick<PinBatcherOptions, 'lingerMs' | 'busyLingerMs'>,
  lastSharedAt: number,
  now: number,
): number {
  const busy = lastSharedAt > 0 && now - lastSharedAt < BUSY_WINDOW_MS;
  return busy ? Math.max(lingerMs, busyLingerMs) : lingerMs;
}

/** A queued pin as the batcher reads it. */
type QueuedPin = Pick<OutboundPinRecord, 'id' | 'hash' | 'context' | 'messageId'>;

/**
 * Pins queued hashes through the Sequencer, many per transaction: it waits a
 * short linger for more pins (longer while busy: lingerFor), or on a chain
 * that mines on its own schedule until just before the next block
 * (BlockSchedule), then sends up to `maxBatch` at once. The queue is a
 * table, so nothing queued is lost in a crash; a batch that was mined but
 * not marked before a crash is pinned again, and receivers ignore the
 * duplicate.
 */
export class PinBatcher {
  /** A batch waiting for its moment is not sent once stopped; pinOnce also runs on a batcher never started. */
  private state: 'new' | 'running' | 'stopped' = 'new';
  private wake?: () => void;
  /** Ends the linger (or the wait for the next block) early: only stop() does. */
  private endPause?: () => void;
  private loop?: Promise<void>;
  /** When the last transaction that carried more than one pin was sent (0: none yet). */
  private lastSharedAt = 0;
  /** Called after each batch is mined (the worker wakes its ledger listener). */
  onPinned?: () => void;

  constructor(
    private readonly ds: DataSource,
    private readonly sequencer: SequencerClient,
    private readonly log: Logger,
    private readonly options: PinBatcherOptions,
    private readonly metrics?: WorkerMetrics,
  ) {}

  /** Queues a hash for pinning at once (no peers to deliver to first); queueing it again changes nothing. */
  async enqueue(hash: string, context: string, messageId: string): Promise<void> {
    await addOutbound(this.ds, { hash, context, messageId, peers: [] });
    this.wake?.();
  }

  /** Looks at the queue now (another part of the worker queued pins in the table). */
  nudge(): void {
    this.wake?.();
  }

  start(): void {
    this.state = 'running';
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.wake?.();
    this.endPause?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.state === 'running') {
      try {
        const sent = await this.pinOnce();
        if (!sent) await this.sleep(this.options.idleMs);
      } catch (err) {
        this.log.error('pinning failed; retrying', { error: (err as Error).message });
        await this.sleep(1_000);
      }
    }
  }

  /** Pins one batch if anything is queued; returns how many pins it sent. */
  async pinOnce(): Promise<number> {
    const take = () =>
      sqlRows<QueuedPin>(
        this.ds,
        `SELECT "id", "hash", "context", "messageId" FROM "outbound_pins" WHERE "state" = 'queued' ORDER BY "id" LIMIT ?`,
        [this.options.maxBatch],
      );
    let queued = await take();
    if (queued.length === 0) return 0;
    const untilBlock = this.options.schedule?.waitMs() ?? 0;
    const linger = untilBlock > 0 ? untilBlock : lingerFor(this.options, this.lastSharedAt, Date.now());
    if (queued.length < this.options.maxBatch && linger > 0) {
      await this.pause(linger);
      if (this.state === 'stopped') return 0;
      queued = await take();
    }
    const sentAt = Date.now();
    if (queued.length > 1) this.lastSharedAt = sentAt;
    const receipt = await this.sequencer.pinBatch(
      queued.map((p) => p.context),
      queued.map((p) => p.hash),
    );
    this.options.schedule?.mined(receipt.waitedForBlock, sentAt);
    await writeOnce(this.ds, (em) =>
      sqlRows(
        em,
        `UPDATE "outbound_pins" SET "state" = 'pinned', "transactionHash" = ?, "batch" = ?
         WHERE "id" IN (${marks(queued.length)})`,
        [receipt.transactionHash, receipt.sequence, ...queued.map((p) => p.id)],
      ),
    );
    this.onPinned?.();
    this.metrics?.pinTransactions.inc();
    this.metrics?.pinsPerTransaction.observe(queued.length);
    this.log.debug('pinned batch', {
      batch: receipt.sequence,
      pins: queued.length,
      firstPin: receipt.firstPin,
      block: receipt.blockNumber,
      transactionHash: receipt.transactionHash,
    });
    // The batch is pinned and marked: a failed log lookup must not report it as failed.
    await this.logPins(queued, receipt.sequence, receipt.firstPin).catch(() => undefined);
    return queued.length;
  }

  /** One debug line per pin, naming its process (the queue knows only the context). */
  private async logPins(queued: QueuedPin[], batch: number, firstPin: number): Promise<void> {
    if (!this.log.enabled('debug')) return;
    const messages = await this.ds.getRepository(PrivateMessageRecord).find({
      select: { hash: true, processId: true },
      where: { hash: In(queued.map((p) => p.hash)) },
    });
    const processOf = new Map(messages.map((m) => [m.hash, m.processId]));
    queued.forEach((p, i) =>
      this.log.debug('pin sent', {
        processId: processOf.get(p.hash),
        pin: firstPin + i,
        batch,
        messageId: p.messageId,
        hash: p.hash,
      }),
    );
  }

  /** Waits `ms`; pins queued meanwhile do not end it (they wait for the batch), stop() does. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.endPause = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.endPause = end;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
