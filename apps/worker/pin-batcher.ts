import { In, type DataSource } from 'typeorm';
import type { SequencerClient } from '../shared/chain/sequencer.js';
import { nowIso } from '../shared/db/data-source.js';
import { OutboundPinRecord, PrivateMessageRecord } from '../shared/db/entities.js';
import type { Logger } from '../shared/logger.js';
import type { WorkerMetrics } from './metrics.js';

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

  /** Queues a hash for pinning; queueing the same hash again changes nothing. */
  async enqueue(hash: string, context: string, messageId: string): Promise<void> {
    await this.ds
      .createQueryBuilder()
      .insert()
      .into(OutboundPinRecord)
      .values({ hash, context, messageId, state: 'queued', transactionHash: null, batch: null, queuedAt: nowIso() })
      .orIgnore()
      .execute();
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
    const repo = this.ds.getRepository(OutboundPinRecord);
    const take = () => repo.find({ where: { state: 'queued' }, order: { id: 'ASC' }, take: this.options.maxBatch });
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
    await repo.update(
      queued.map((p) => p.id),
      { state: 'pinned', transactionHash: receipt.transactionHash, batch: receipt.sequence },
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
  private async logPins(queued: OutboundPinRecord[], batch: number, firstPin: number): Promise<void> {
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
