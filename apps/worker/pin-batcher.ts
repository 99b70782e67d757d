import { In, type DataSource } from 'typeorm';
import type { SequencerClient } from '../shared/chain/sequencer.js';
import { PrivateMessageRecord, type OutboundPinRecord } from '../shared/db/entities.js';
import { marks, sqlRows } from '../shared/db/sql.js';
import type { Logger } from '../shared/logger.js';
import type { WorkerMetrics } from './metrics.js';
import { addOutbound } from './outbox.js';

/** A queued pin as the batcher reads it. */
type QueuedPin = Pick<OutboundPinRecord, 'id' | 'hash' | 'context' | 'messageId'>;

/**
 * Pins queued hashes through the Sequencer, many per transaction: it waits a
 * short linger for more pins, then sends up to `maxBatch` at once. The queue
 * is a table, so nothing queued is lost in a crash; a batch that was mined
 * but not marked before a crash is pinned again, and receivers ignore the duplicate.
 */
export class PinBatcher {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** Called after each batch is mined (the worker wakes its ledger listener). */
  onPinned?: () => void;

  constructor(
    private readonly ds: DataSource,
    private readonly sequencer: SequencerClient,
    private readonly log: Logger,
    private readonly options: { maxBatch: number; lingerMs: number; idleMs: number },
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
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
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
    if (queued.length < this.options.maxBatch && this.options.lingerMs > 0) {
      await new Promise((r) => setTimeout(r, this.options.lingerMs));
      queued = await take();
    }
    const receipt = await this.sequencer.pinBatch(
      queued.map((p) => p.context),
      queued.map((p) => p.hash),
    );
    await sqlRows(
      this.ds,
      `UPDATE "outbound_pins" SET "state" = 'pinned', "transactionHash" = ?, "batch" = ?
       WHERE "id" IN (${marks(queued.length)})`,
      [receipt.transactionHash, receipt.sequence, ...queued.map((p) => p.id)],
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
