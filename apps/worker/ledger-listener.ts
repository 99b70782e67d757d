import type { DataSource, EntityManager } from 'typeorm';
import type { PinnedBatch, SequencerClient } from '../shared/chain/sequencer.js';
import { inTransaction, nowIso } from '../shared/db/data-source.js';
import { LedgerContextRecord, LedgerCursorRecord, LedgerPinRecord } from '../shared/db/entities.js';
import { appendEvents } from '../shared/db/event-log.js';
import type { Logger } from '../shared/logger.js';

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
  constructor(
    private readonly ds: DataSource,
    private readonly sequencer: SequencerClient,
    private readonly log: Logger,
    private readonly options: { startBlock: number; confirmations: number },
  ) {}

  /** Reads what the chain has past the cursor; returns how many batches it recorded. */
  async pollOnce(): Promise<number> {
    const cursor = await this.ds.getRepository(LedgerCursorRecord).findOneBy({ name: CURSOR });
    const from = cursor?.nextBlock ?? this.options.startBlock;
    const head = (await this.sequencer.blockNumber()) - this.options.confirmations;
    if (head < from) return 0;
    const to = Math.min(head, from + BLOCK_RANGE - 1);
    const batches = await this.sequencer.batchesBetween(from, to);
    await inTransaction(this.ds, async (em) => {
      for (const batch of batches) await this.record(em, batch);
      await em.save(LedgerCursorRecord, { name: CURSOR, nextBlock: to + 1 });
    });
    if (batches.length > 0) this.log.debug('ledger read', { from, to, batches: batches.length });
    return batches.length;
  }

  private async record(em: EntityManager, batch: PinnedBatch): Promise<void> {
    if (await em.existsBy(LedgerPinRecord, { pin: batch.firstPin })) return;
    const recordedAt = nowIso();
    for (let i = 0; i < batch.pins.length; i++) {
      const context = batch.contexts[i];
      const counter = (await em.findOneBy(LedgerContextRecord, { context })) ?? { context, pinCount: 0 };
      counter.pinCount += 1;
      await em.save(LedgerContextRecord, counter);
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
        contextIndex: counter.pinCount,
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
  }
}
