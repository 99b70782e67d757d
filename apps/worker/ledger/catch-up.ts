import type { DataSource } from 'typeorm';
import { CounterRecord } from '../../shared/db/entities.js';
import { PinStore } from '../../shared/db/pin-store.js';
import type { Logger } from '../../shared/logger.js';
import type { LedgerListener } from './ledger-listener.js';

/**
 * Says once per worker start, in the log, when the member has caught up with
 * the ledger: the listener read up to the chain head and no pin waits for
 * projection (pins of processes the member takes no part in are `foreign`).
 * For a member started on an empty database this is the end of its rebuild
 * from block 0; the line carries the counts and time a benchmark needs.
 */
export class CatchUpWatch {
  private readonly startedAt = Date.now();
  private done = false;

  private readonly pins: PinStore;

  constructor(
    private readonly ds: DataSource,
    private readonly listener: LedgerListener,
    private readonly log: Logger,
  ) {
    this.pins = new PinStore(ds);
  }

  /**
   * Asks `pinsPending` (the projector's own question, asked once for both)
   * and logs the catch-up the first time the listener was at the head before
   * it and no pin waits; returns the answer.
   */
  async check(pinsPending: () => Promise<boolean>): Promise<boolean> {
    const atHead = this.listener.atHead;
    const pending = await pinsPending();
    if (this.done || pending || !atHead) return pending;
    this.done = true;
    const events = (await this.ds.getRepository(CounterRecord).findOneBy({ name: 'events' }))?.value ?? 0;
    this.log.info('ledger caught up', {
      pins: await this.pins.count(),
      events,
      elapsedMs: Date.now() - this.startedAt,
    });
    return pending;
  }
}
