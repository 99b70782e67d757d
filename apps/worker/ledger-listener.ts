import type { DataSource, EntityManager } from 'typeorm';
import type { PinnedBatch, SequencerClient } from '../shared/chain/sequencer.js';
import { inTransaction, nowIso } from '../shared/db/data-source.js';
import { LedgerContextRecord, LedgerCursorRecord, LedgerPinRecord } from '../shared/db/entities.js';
import { appendEvents } from '../shared/db/event-log.js';
import type { Logger } from '../shared/logger.js';
import type { WorkerMetrics } from './metrics.js';

const CURSOR = 'sequencer';
/** Most blocks read in one eth_getLogs call. */
const BLOCK_RANGE = 2_000;

/**
 * Reads the Sequencer's batches in chain order from a saved cursor and
 * records every pin, numbered within its context, with the cursor advance in
 * the same transaction: a pin is never skipped nor recorded twice. Delivery
 * to workflows is the dispatcher's job (ledger-dispatcher.ts).
 */
export class LedgerListener {
  /** When the last read of the chain succeeded (ms since the epoch); the worker's /readyz looks at it. */
  lastReadAt?: number;
  /**
   * The saved cursor, kept after the first read: this is the member's only
   * listener (and its only writer), so between new blocks a poll costs one
   * cheap block-number call and no database query.
   */
  private nextBlock?: number;

  constructor(
    private readonly ds: DataSource,
    private readonly sequencer: SequencerClient,
    private readonly log: Logger,
    private readonly options: { startBlock: number; confirmations: number },
    private readonly metrics?: WorkerMetrics,
  ) {}

  /** Reads what the chain has past the cursor; returns how many batches it recorded. */
  async pollOnce(): Promise<number> {
    this.nextBlock ??=
      (await this.ds.getRepository(LedgerCursorRecord).findOneBy({ name: CURSOR }))?.nextBlock ??
      this.options.startBlock;
    const from = this.nextBlock;
    const chainHead = await this.sequencer.blockNumber();
    const head = chainHead - this.options.confirmations;
    if (head < from) {
      this.read(chainHead, from);
      return 0;
    }
    const to = Math.min(head, from + BLOCK_RANGE - 1);
    const batches = await this.sequencer.batchesBetween(from, to);
    let recorded = 0;
    await inTransaction(this.ds, async (em) => {
      recorded = 0;
      for (const batch of batches) recorded += await this.record(em, batch);
      await em.save(LedgerCursorRecord, { name: CURSOR, nextBlock: to + 1 });
    });
    this.nextBlock = to + 1;
    this.metrics?.pinsRecorded.inc(recorded);
    this.read(chainHead, to + 1);
    // The listener knows contexts only; the dispatcher logs each pin with its processId.
    for (const b of batches)
      this.log.debug('batch read', {
        batch: b.sequence,
        firstPin: b.firstPin,
        pins: b.pins.length,
        block: b.blockNumber,
      });
    if (batches.length > 0) this.log.debug('ledger read', { from, to, batches: batches.length, recorded });
    return batches.length;
  }

  /** A successful read: the cursor now stands at `nextBlock`. */
  private read(chainHead: number, nextBlock: number): void {
    this.lastReadAt = Date.now();
    this.metrics?.ledgerLag.set(Math.max(0, chainHead - (nextBlock - 1)));
  }

  /** Records the batch's pins unless they already are; returns how many it recorded. */
  private async record(em: EntityManager, batch: PinnedBatch): Promise<number> {
    if (await em.existsBy(LedgerPinRecord, { pin: batch.firstPin })) return 0;
    const recordedAt = nowIso();
    for (let i = 0; i < batch.pins.length; i++) {
      const context = batch.contexts[i];
      const counter = await em.findOneBy(LedgerContextRecord, { context });
      const pinCount = (counter?.pinCount ?? 0) + 1;
      // update/insert rather than save(): save reads the row again first.
      if (counter) await em.update(LedgerContextRecord, { context }, { pinCount });
      else await em.insert(LedgerContextRecord, { context, pinCount });
      await em.insert(LedgerPinRecord, {
        pin: batch.firstPin + i,
        batch: batch.sequence,
        indexInBatch: i,
        context,
        hash: batch.pins[i],
        author: batch.author,
        blockNumber: batch.blockNumber,
        logIndex: batch.logIndex,
        transactionHash: batch.transactionHash,
        contextIndex: pinCount,
        state: 'pending',
        note: null,
        recordedAt,
      });
    }
    await appendEvents(em, [
      {
        key: `batch-pinned/${batch.sequence}`,
        type: 'batch-pinned',
        topic: 'ledger',
        correlator: batch.transactionHash,
        data: {
          batch: batch.sequence,
          author: batch.author,
          batchHash: batch.batchHash,
          firstPin: batch.firstPin,
          pins: batch.pins.length,
          blockNumber: batch.blockNumber,
          logIndex: batch.logIndex,
        },
      },
    ]);
    return batch.pins.length;
  }
}
