import type { DataSource, EntityManager } from 'typeorm';
import type { PinnedBatch, SequencerClient } from '../../shared/chain/sequencer.js';
import { inTransaction, nowIso } from '../../shared/db/data-source.js';
import { LedgerCursorRecord, type LedgerPinRecord } from '../../shared/db/entities.js';
import { appendEvents } from '../../shared/db/event-log.js';
import { PinStore } from '../../shared/db/pin-store.js';
import { insertRows } from '../../shared/db/sql.js';
import type { Logger } from '../../shared/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';

const CURSOR = 'sequencer';
/** Most blocks read in one eth_getLogs call. */
const BLOCK_RANGE = 10_000;
/** Most pushed batches held between two reads (a member far behind ignores pushes anyway). */
const MAX_PUSHED = 1_000;
/**
 * How long a cursor move that recorded nothing may wait to be saved: a
 * restart reads those blocks again and finds nothing new in them. Saves a
 * write per block once pushed batches are recorded ahead of the read.
 */
const CURSOR_SAVE_MS = 1_000;

/**
 * Reads the Sequencer's batches in chain order from a saved cursor and
 * records every pin, numbered within its context, with the cursor advance in
 * the same transaction: a pin is never skipped nor recorded twice. Batches the
 * chain pushes are recorded earlier, only when they continue the recorded
 * pins; the cursor is never saved past a block whose batches are not all
 * recorded, and a read that finds them recorded may save its move later
 * (CURSOR_SAVE_MS). Delivery to workflows is the dispatcher's job
 * (ledger-dispatcher.ts).
 */
export class LedgerListener {
  /** When the last read of the chain succeeded (ms since the epoch); the worker's /readyz looks at it. */
  lastReadAt?: number;
  /** True once a read reached the chain head (less the confirmations); a rebuild from block 0 is read by then. */
  atHead = false;
  /** True once any read since the start reached the head: until then the ledger read so far may be a stale prefix. */
  reachedHead = false;
  /** The cursor: the next block to read. */
  private nextBlock?: number;
  /** The cursor as saved in the database, and when it was saved (or read). */
  private savedNextBlock?: number;
  private savedAt = 0;
  /** The highest block announced (newHeads) since the last read: that read need not ask the chain for its head. */
  private announcedHead?: number;
  /** Batches the chain pushed (a `logs` subscription) and not yet looked at, by first pin. */
  private readonly pushedBatches = new Map<number, PinnedBatch>();

  private readonly pins: PinStore;

  constructor(
    private readonly ds: DataSource,
    private readonly sequencer: SequencerClient,
    private readonly log: Logger,
    private readonly options: { startBlock: number; confirmations: number },
    private readonly metrics?: WorkerMetrics,
  ) {
    this.pins = new PinStore(ds);
  }

  /** A block the chain announced: the next read goes up to it without asking for the head. */
  announced(blockNumber: number): void {
    this.announcedHead = Math.max(this.announcedHead ?? blockNumber, blockNumber);
  }

  /**
   * A batch the chain pushed with its block (a `logs` subscription). Taken
   * only while blocks are read at the head as they come (no confirmations
   * awaited), where a read would record the same batch a round trip later.
   */
  pushed(batch: PinnedBatch): void {
    if (this.options.confirmations > 0 || this.pushedBatches.size >= MAX_PUSHED) return;
    this.pushedBatches.set(batch.firstPin, batch);
  }

  /**
   * Records pushed batches that continue the recorded pins without a gap
   * (pins are numbered by the contract, so the next batch is the one whose
   * first pin follows the last recorded), without moving the cursor: the
   * next read finds them recorded and only moves it. Returns the pins recorded.
   */
  async recordPushed(): Promise<number> {
    if (this.pushedBatches.size === 0) return 0;
    // What does not follow on is left to the reads (a gap: blocks this member has not read yet).
    const pushed = new Map(this.pushedBatches);
    this.pushedBatches.clear();
    let recorded = 0;
    await inTransaction(this.ds, async (em) => {
      let next = (await this.pins.lastPin(em)) + 1;
      const batches: PinnedBatch[] = [];
      for (let b = pushed.get(next); b; b = pushed.get(next)) {
        batches.push(b);
        next = b.firstPin + b.pins.length;
      }
      recorded = await this.record(em, batches);
    });
    this.metrics?.pinsRecorded.inc(recorded);
    if (recorded > 0) this.log.debug('pushed batches recorded', { pins: recorded });
    return recorded;
  }

  /** Reads what the chain has past the cursor; returns how many batches it recorded. */
  async pollOnce(): Promise<number> {
    // The cursor is read once; afterwards this listener is the only writer.
    if (this.nextBlock === undefined) {
      this.nextBlock =
        (await this.ds.getRepository(LedgerCursorRecord).findOneBy({ name: CURSOR }))?.nextBlock ??
        this.options.startBlock;
      this.savedNextBlock = this.nextBlock;
      this.savedAt = Date.now();
    }
    const from = this.nextBlock;
    // An announced head saves a round trip on the way from a block to its events.
    const announced = this.announcedHead;
    this.announcedHead = undefined;
    const chainHead = announced ?? (await this.sequencer.blockNumber());
    const head = chainHead - this.options.confirmations;
    if (head < from) {
      this.read(chainHead, from);
      this.atHead = this.reachedHead = true;
      if (Date.now() - this.savedAt >= CURSOR_SAVE_MS) await this.saveCursor();
      return 0;
    }
    const to = Math.min(head, from + BLOCK_RANGE - 1);
    const batches = await this.sequencer.batchesBetween(from, to);
    // Batches recorded from the chain's push: only the cursor moves, and it may wait (CURSOR_SAVE_MS).
    // With confirmations awaited nothing is pushed (see pushed), and record() alone looks.
    const known =
      this.options.confirmations === 0
        ? await this.pins.recorded(
            this.ds,
            batches.map((b) => b.firstPin),
          )
        : new Set<number>();
    let recorded = 0;
    if (batches.some((b) => !known.has(b.firstPin)) || Date.now() - this.savedAt >= CURSOR_SAVE_MS) {
      await inTransaction(this.ds, async (em) => {
        recorded = await this.record(em, batches);
        await this.writeCursor(em, to + 1);
      });
      this.cursorSaved(to + 1);
    }
    this.nextBlock = to + 1;
    this.metrics?.pinsRecorded.inc(recorded);
    this.read(chainHead, to + 1);
    this.atHead = to >= head;
    this.reachedHead ||= this.atHead;
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

  /** Saves the cursor where the reads left it, if it moved since it was last saved (also at shutdown). */
  async saveCursor(): Promise<void> {
    const nextBlock = this.nextBlock;
    if (nextBlock === undefined || nextBlock === this.savedNextBlock) return;
    await inTransaction(this.ds, (em) => this.writeCursor(em, nextBlock));
    this.cursorSaved(nextBlock);
  }

  private async writeCursor(em: EntityManager, nextBlock: number): Promise<void> {
    await insertRows(em, 'ledger_cursor', [{ name: CURSOR, nextBlock }], { on: ['name'], then: 'update' });
  }

  private cursorSaved(nextBlock: number): void {
    this.savedNextBlock = nextBlock;
    this.savedAt = Date.now();
  }

  /** A successful read: the cursor now stands at `nextBlock`. */
  private read(chainHead: number, nextBlock: number): void {
    this.lastReadAt = Date.now();
    this.metrics?.ledgerLag.set(Math.max(0, chainHead - (nextBlock - 1)));
  }

  /**
   * Records the batches' pins unless they already are, numbering each within
   * its context; returns how many it recorded. Written in a few large
   * statements, so reading the ledger from block 0 goes at database speed.
   */
  private async record(em: EntityManager, all: PinnedBatch[]): Promise<number> {
    if (all.length === 0) return 0;
    const known = await this.pins.recorded(
      em,
      all.map((b) => b.firstPin),
    );
    const batches = all.filter((b) => !known.has(b.firstPin));
    const contexts = [...new Set(batches.flatMap((b) => b.contexts))];
    const counts = await this.pins.pinCounts(em, contexts);
    const recordedAt = nowIso();
    const pins: LedgerPinRecord[] = [];
    for (const batch of batches)
      batch.pins.forEach((hash, i) => {
        const context = batch.contexts[i];
        const contextIndex = (counts.get(context) ?? 0) + 1;
        counts.set(context, contextIndex);
        pins.push({
          pin: batch.firstPin + i,
          batch: batch.sequence,
          indexInBatch: i,
          context,
          hash,
          author: batch.author,
          blockNumber: batch.blockNumber,
          logIndex: batch.logIndex,
          transactionHash: batch.transactionHash,
          contextIndex,
          state: 'pending',
          note: null,
          recordedAt,
        });
      });
    await this.pins.insert(
      em,
      pins,
      contexts.map((context) => ({ context, pinCount: counts.get(context)! })),
    );
    await appendEvents(
      em,
      batches.map((batch) => ({
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
          contexts: batch.contexts,
          hashes: batch.pins,
          blockNumber: batch.blockNumber,
          logIndex: batch.logIndex,
        },
      })),
    );
    return pins.length;
  }
}
