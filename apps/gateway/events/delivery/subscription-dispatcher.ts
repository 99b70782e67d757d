import { randomUUID } from 'node:crypto';
import { MoreThan, type DataSource } from 'typeorm';
import { EventRecord } from '../../../shared/db/entities.js';
import type { SubscriptionRecord } from '../../../shared/db/subscription-entities.js';
import type { Logger } from '../../../shared/logger.js';
import { matchesFilter, storedFilter, type EventFilter } from '../event-filter.js';
import type { SubscriptionOptions } from '../subscriptions/subscription-spec.js';
import type { Delivery, DeliveryTarget, SubscriptionRef } from './delivery-target.js';
import { OffsetKeeper } from './offset-keeper.js';

/** Events read from the log per query. */
const PAGE = 1000;
/** Reading pauses while this many matched events wait for a target. */
const QUEUE_HIGH = 2 * PAGE;
/** Most events between the offset and the last read: a stalled event holds reading back beyond this. */
const MAX_SPAN = 100_000;

interface InFlight {
  delivery: Delivery;
  target: DeliveryTarget;
}

/**
 * Delivers one durable subscription: reads the log in pages from the stored
 * offset, filters, and balances deliveries across its targets (each event to
 * one target, at most `readAhead` unacked per target). Acks move the offset
 * and nacks and failures are offered again with backoff, then dead-lettered,
 * as its OffsetKeeper records them; events in flight on a target that goes
 * away go to another. Nothing here waits on a target, so a stalled one holds
 * back only its own window.
 */
export class SubscriptionDispatcher {
  private filter: EventFilter;
  private options: SubscriptionOptions;
  private readonly ref: SubscriptionRef;
  /** Matched events waiting for a target, in sequence order. */
  private queue: EventRecord[] = [];
  private readonly inFlight = new Map<string, InFlight>();
  private readonly targets = new Map<DeliveryTarget, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private latest: number;
  private reading = false;
  private closed = false;
  /** Round-robin position among the targets, for ties. */
  private lastPicked = -1;
  private nextPicked = 0;

  private constructor(
    private readonly ds: DataSource,
    private readonly log: Logger,
    private subscription: SubscriptionRecord,
    latest: number,
    private readonly keeper: OffsetKeeper,
    filter: EventFilter,
  ) {
    this.filter = filter;
    this.options = subscription.options as unknown as SubscriptionOptions;
    this.ref = { id: subscription.id, namespace: subscription.namespace, name: subscription.name };
    this.latest = latest;
  }

  /** Rejects with a FilterError, before anything starts, when the stored filter is one RE2 refuses. */
  static async open(ds: DataSource, log: Logger, subscription: SubscriptionRecord): Promise<SubscriptionDispatcher> {
    const filter = storedFilter(subscription.filter, subscription.name);
    const refusals = await OffsetKeeper.storedRefusals(ds, subscription);
    const last = await ds.getRepository(EventRecord).find({ order: { sequence: 'DESC' }, take: 1 });
    const keeper = new OffsetKeeper(ds, log, subscription, refusals);
    const dispatcher = new SubscriptionDispatcher(ds, log, subscription, last[0]?.sequence ?? 0, keeper, filter);
    void dispatcher.fill();
    return dispatcher;
  }

  get id(): string {
    return this.subscription.id;
  }

  get transport(): string {
    return this.subscription.transport;
  }

  status() {
    return {
      offset: this.keeper.offset(),
      inFlight: [...this.inFlight.values()].reduce((n, f) => n + f.delivery.events.length, 0),
      queued: this.queue.length,
      targets: this.targets.size,
    };
  }

  /** New filter or options (PUT): events already read keep the old filter's verdict. */
  reconfigure(subscription: SubscriptionRecord): void {
    this.subscription = subscription;
    this.filter = storedFilter(subscription.filter, subscription.name);
    this.options = subscription.options as unknown as SubscriptionOptions;
    this.dispatch();
  }

  /** The log has grown to `latest`. */
  notify(latest: number): void {
    if (latest <= this.latest) return;
    this.latest = latest;
    void this.fill();
  }

  addTarget(target: DeliveryTarget): void {
    this.targets.set(target, 0);
    this.dispatch();
  }

  /** A target went away: what it had in flight goes to the others. Returns how many targets are left. */
  removeTarget(target: DeliveryTarget): number {
    this.targets.delete(target);
    for (const [id, flight] of this.inFlight)
      if (flight.target === target) {
        this.inFlight.delete(id);
        for (const event of flight.delivery.events) this.requeue(event);
      }
    this.dispatch();
    return this.targets.size;
  }

  /**
   * The app took a delivery. Without an id: the oldest delivery in flight on
   * `target`. An event that went back to the queue (its connection dropped)
   * may still be acked by id. False when nothing matched.
   */
  ack(target: DeliveryTarget, id?: string): boolean {
    const found = this.take(target, id);
    if (found) {
      for (const event of found) this.keeper.settle(event.sequence);
    } else {
      const index = this.queue.findIndex((e) => e.id === id);
      if (index < 0) return false;
      this.keeper.settle(this.queue.splice(index, 1)[0].sequence);
    }
    this.dispatch();
    return true;
  }

  /** The app (or the webhook) refused a delivery: offered again after a backoff, or dead-lettered. */
  nack(target: DeliveryTarget, id: string | undefined, reason: string): boolean {
    const events = this.take(target, id);
    if (!events) return false;
    for (const event of events) void this.refused(event, reason);
    this.dispatch();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.keeper.close();
  }

  private take(target: DeliveryTarget, id?: string): EventRecord[] | undefined {
    let key = id;
    if (key === undefined)
      for (const [candidate, flight] of this.inFlight)
        if (flight.target === target) {
          key = candidate;
          break;
        }
    const flight = key === undefined ? undefined : this.inFlight.get(key);
    if (!flight) return undefined;
    this.inFlight.delete(key!);
    const count = this.targets.get(flight.target);
    if (count !== undefined) this.targets.set(flight.target, count - 1);
    return flight.delivery.events;
  }

  private async refused(event: EventRecord, reason: string): Promise<void> {
    const refusal = await this.keeper.refuse(event, reason, this.options.retry);
    if (!refusal || this.closed) return;
    if (refusal.dead) {
      this.log.warn('event dead-lettered', { subscription: this.subscription.name, sequence: event.sequence, reason });
      this.dispatch();
    } else this.later(event, refusal.delayMs);
  }

  private later(event: EventRecord, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || !this.keeper.has(event.sequence)) return;
      this.requeue(event);
      this.dispatch();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Back into the queue at its place in sequence order. */
  private requeue(event: EventRecord): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.queue[mid].sequence < event.sequence) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, event);
  }

  /**
   * The target with the fewest deliveries in flight, if any has room in its
   * window; ties go round the targets, so idle connections share a trickle too.
   */
  private pickTarget(): DeliveryTarget | undefined {
    const targets = [...this.targets];
    let best: DeliveryTarget | undefined;
    let fewest = this.options.readAhead;
    for (let i = 1; i <= targets.length; i++) {
      const index = (this.lastPicked + i) % targets.length;
      const [target, count] = targets[index];
      if (count < fewest) {
        best = target;
        fewest = count;
        this.nextPicked = index;
      }
    }
    if (best) this.lastPicked = this.nextPicked;
    return best;
  }

  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      const target = this.pickTarget();
      if (!target) break;
      const events = this.options.batch ? this.queue.splice(0, this.options.batchSize) : [this.queue.shift()!];
      const delivery: Delivery = {
        id: this.options.batch ? randomUUID() : events[0].id,
        events,
        batch: this.options.batch,
        withData: this.options.withData,
        subscription: this.ref,
      };
      if (target.autoack) {
        target.deliver(delivery);
        for (const event of events) this.keeper.settle(event.sequence);
        continue;
      }
      this.inFlight.set(delivery.id, { delivery, target });
      this.targets.set(target, this.targets.get(target)! + 1);
      target.deliver(delivery);
    }
    if (this.queue.length < QUEUE_HIGH / 2 && this.keeper.lastRead < this.latest) void this.fill();
  }

  /** Reads pages of the log into the queue while there is room and something new. */
  private async fill(): Promise<void> {
    if (this.reading || this.closed) return;
    this.reading = true;
    try {
      while (
        !this.closed &&
        this.queue.length < QUEUE_HIGH &&
        this.keeper.lastRead < this.latest &&
        this.keeper.lastRead - this.keeper.offset() < MAX_SPAN
      ) {
        const known = this.latest;
        const page = await this.ds.getRepository(EventRecord).find({
          where: { sequence: MoreThan(this.keeper.lastRead) },
          order: { sequence: 'ASC' },
          take: PAGE,
        });
        if (page.length === 0) {
          if (this.latest === known) this.latest = this.keeper.lastRead;
          break;
        }
        this.admit(page);
        this.dispatch();
      }
    } catch (err) {
      this.log.error('reading the event log for a subscription failed', {
        subscription: this.subscription.name,
        error: (err as Error).message,
      });
    } finally {
      this.reading = false;
    }
  }

  private admit(page: EventRecord[]): void {
    const now = Date.now();
    for (const event of page) {
      if (!matchesFilter(this.filter, event)) continue;
      const hold = this.keeper.admit(event.sequence, now);
      if (hold === false) continue;
      if (hold > 0) this.later(event, hold);
      else this.queue.push(event);
    }
    const last = page[page.length - 1].sequence;
    this.keeper.readThrough(last);
    if (last > this.latest) this.latest = last;
  }
}
