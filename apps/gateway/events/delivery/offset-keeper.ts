import { MoreThan, type DataSource } from 'typeorm';
import type { EventRecord } from '../../../shared/db/entities.js';
import { nowIso, writeOnce } from '../../../shared/db/data-source.js';
import { SubscriptionDeliveryRecord, SubscriptionRecord } from '../../../shared/db/subscription-entities.js';
import type { Logger } from '../../../shared/logger.js';
import { DeliveryWindow } from './delivery-window.js';
import { retryDelay, type RetryPolicy } from './retry-policy.js';

/** How often the offset is written, when it moved. */
const FLUSH_MS = 200;

/** Refusals stored before a restart, of events past the offset. */
interface StoredRefusals {
  /** Dead-lettered events: skipped. */
  dead: Set<number>;
  /** Events to offer again: attempts so far and when. */
  waiting: Map<number, { attempts: number; at: number }>;
}

/** What becomes of a refused event: dead-lettered (it has left the window), or offered again after a delay. */
export type Refusal = { dead: true } | { dead: false; delayMs: number };

/**
 * Keeps one durable subscription's offset and what moves it: acks settle an
 * event, refusals count attempts towards a retry or a dead letter. The offset
 * is the delivery window's low watermark, written in the background (one
 * UPDATE at most every FLUSH_MS, however many acks); refusals are written as
 * they happen (subscription_deliveries), so retry counts, backoff and dead
 * letters survive a restart. It decides nothing about targets: the
 * dispatcher delivers and asks it what an event's answer means.
 */
export class OffsetKeeper {
  private readonly window: DeliveryWindow;
  /** Refusals so far, of events refused at least once. */
  private readonly attempts = new Map<number, number>();
  private readonly flushTimer: NodeJS.Timeout;
  private savedOffset: number;
  private closed = false;

  constructor(
    private readonly ds: DataSource,
    private readonly log: Logger,
    private readonly subscription: Pick<SubscriptionRecord, 'id' | 'name' | 'offset'>,
    private readonly stored: StoredRefusals,
  ) {
    this.window = new DeliveryWindow(subscription.offset);
    this.savedOffset = subscription.offset;
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_MS);
    this.flushTimer.unref();
  }

  /** The refusals stored for `subscription` past its offset. */
  static async storedRefusals(ds: DataSource, subscription: SubscriptionRecord): Promise<StoredRefusals> {
    const rows = await ds.getRepository(SubscriptionDeliveryRecord).find({
      where: { subscriptionId: subscription.id, sequence: MoreThan(subscription.offset) },
    });
    return {
      dead: new Set(rows.filter((r) => r.state === 'dead').map((r) => r.sequence)),
      waiting: new Map(
        rows
          .filter((r) => r.state !== 'dead')
          .map((r) => [r.sequence, { attempts: r.attempts, at: Date.parse(r.nextAttempt) }] as const),
      ),
    };
  }

  /** The last sequence read from the log. */
  get lastRead(): number {
    return this.window.lastRead;
  }

  offset(): number {
    return this.window.offset();
  }

  /** True while `sequence` waits for its ack. */
  has(sequence: number): boolean {
    return this.window.has(sequence);
  }

  /** Everything up to `sequence` has been read; events not admitted were filtered out. */
  readThrough(sequence: number): void {
    this.window.readThrough(sequence);
  }

  /**
   * A matched event read from the log, in sequence order. False for a dead
   * letter (skipped); otherwise it waits for its ack, and the answer is how
   * long to hold it before delivery (a refusal before a restart), 0 for none.
   */
  admit(sequence: number, now: number): number | false {
    if (this.stored.dead.delete(sequence)) return false;
    this.window.enter(sequence);
    const waiting = this.stored.waiting.get(sequence);
    if (!waiting) return 0;
    this.stored.waiting.delete(sequence);
    this.attempts.set(sequence, waiting.attempts);
    return waiting.at > now ? waiting.at - now : 0;
  }

  /** The event was acked (or sent with autoack): it no longer holds the offset back. */
  settle(sequence: number): void {
    this.window.leave(sequence);
    if (this.attempts.delete(sequence))
      void writeOnce(this.ds, (em) =>
        em.getRepository(SubscriptionDeliveryRecord).delete({ subscriptionId: this.subscription.id, sequence }),
      ).catch(() => undefined); // a stale row at or below the offset is ignored on the next start
  }

  /** Records a refusal under `policy`; undefined when closed meanwhile. */
  async refuse(event: EventRecord, reason: string, policy: RetryPolicy): Promise<Refusal | undefined> {
    const attempts = (this.attempts.get(event.sequence) ?? 0) + 1;
    this.attempts.set(event.sequence, attempts);
    const dead = attempts >= policy.count;
    const delay = dead ? 0 : retryDelay(policy, attempts);
    const row = {
      subscriptionId: this.subscription.id,
      sequence: event.sequence,
      eventId: event.id,
      state: dead ? 'dead' : 'retrying',
      attempts,
      nextAttempt: new Date(Date.now() + delay).toISOString(),
      lastError: reason.slice(0, 2000),
      updated: nowIso(),
    };
    try {
      // Written before the event leaves the window, so the offset never passes an unrecorded dead letter.
      await writeOnce(this.ds, (em) => em.getRepository(SubscriptionDeliveryRecord).save(row));
    } catch (err) {
      this.log.warn('recording a refused delivery failed', { error: (err as Error).message });
    }
    if (this.closed) return undefined;
    if (!dead) return { dead: false, delayMs: delay };
    this.attempts.delete(event.sequence);
    this.window.leave(event.sequence);
    return { dead: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.flushTimer);
    await this.flush();
  }

  /** Writes the offset when it moved; one UPDATE for any number of acks. */
  private async flush(): Promise<void> {
    const offset = this.window.offset();
    if (offset <= this.savedOffset) return;
    try {
      await writeOnce(this.ds, (em) =>
        em.getRepository(SubscriptionRecord).update({ id: this.subscription.id }, { offset }),
      );
      this.savedOffset = Math.max(this.savedOffset, offset);
    } catch (err) {
      this.log.warn('saving a subscription offset failed; will retry', {
        subscription: this.subscription.name,
        error: (err as Error).message,
      });
    }
  }
}
