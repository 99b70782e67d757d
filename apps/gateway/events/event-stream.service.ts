import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MoreThanOrEqual, type DataSource } from 'typeorm';
import { EventRecord } from '../../shared/db/entities.js';
import type { MemberConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { CONFIG, DATA_SOURCE, LOGGER } from '../core/tokens.js';
import { matchesFilter, type EventFilter } from './event-filter.js';

export type { EventFilter } from './event-filter.js';

export interface StreamSubscriber {
  filter: EventFilter;
  /** Subscription kind, for the lag metric; ephemeral unless said (durable ones come later). */
  kind?: string;
  send(event: EventRecord): void;
}

interface Registration extends StreamSubscriber {
  next: number;
}

const PAGE = 500;

/**
 * Follows the member's event log (written by the worker and the gateway) and
 * hands each new event, in sequence order, to every subscriber whose filter
 * matches. Each subscriber keeps its own position, so one that started at
 * `oldest` catches up without a gap or a duplicate at the seam.
 */
@Injectable()
export class EventStreamService implements OnModuleDestroy {
  private readonly subscribers = new Set<Registration>();
  private readonly appendListeners = new Set<(latest: number) => void>();
  /** The next sequence append listeners have not been told about. */
  private tail = 0;
  private readonly timer: NodeJS.Timeout;
  private polling = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(CONFIG) config: MemberConfig,
  ) {
    // The worker writes most events, in its own process: reading the log is
    // how they reach this gateway (EVENT_POLL_MS; one indexed query per tick).
    this.timer = setInterval(() => void this.poll(), config.eventPollMs);
  }

  /** The newest event's sequence (0 for an empty log): one plain indexed read, asked every EVENT_POLL_MS. */
  async latestSequence(): Promise<number> {
    const [row] = await this.ds.query<{ latest: unknown }[]>('SELECT MAX("sequence") AS "latest" FROM "events"');
    return Number(row?.latest ?? 0);
  }

  /**
   * Per subscription kind: the latest sequence minus the oldest subscriber's
   * position (the last sequence it has been offered). 0 for ephemeral when none.
   */
  async subscriptionLag(): Promise<Record<string, number>> {
    const latest = await this.latestSequence();
    const lag: Record<string, number> = { ephemeral: 0 };
    for (const s of this.subscribers) {
      const kind = s.kind ?? 'ephemeral';
      lag[kind] = Math.max(lag[kind] ?? 0, latest - (s.next - 1));
    }
    return lag;
  }

  /** firstEvent: 'oldest', 'newest' (only events after now) or a sequence number to start at. */
  async subscribe(subscriber: StreamSubscriber, firstEvent: 'oldest' | 'newest' | number): Promise<() => void> {
    const next = firstEvent === 'oldest' ? 1 : firstEvent === 'newest' ? (await this.latestSequence()) + 1 : firstEvent;
    const registration: Registration = { ...subscriber, next };
    this.subscribers.add(registration);
    return () => this.subscribers.delete(registration);
  }

  /** Calls `listener` with the newest sequence whenever the log grew (durable subscriptions wake on it). */
  onAppend(listener: (latest: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling || (this.subscribers.size === 0 && this.appendListeners.size === 0)) return;
    this.polling = true;
    try {
      // Most ticks find nothing new: one cheap read says so before any page of events is read.
      const latest = await this.latestSequence();
      if (this.appendListeners.size > 0) this.tellTail(latest);
      if (this.subscribers.size > 0) await this.pollSubscribers(latest);
    } catch (err) {
      this.log.error('reading the event log failed', { error: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }

  /** Listeners read the events themselves, from their own offsets. */
  private tellTail(latest: number): void {
    if (latest < this.tail) return;
    this.tail = latest + 1;
    for (const listener of this.appendListeners) listener(latest);
  }

  private async pollSubscribers(latest: number): Promise<void> {
    const from = Math.min(...[...this.subscribers].map((s) => s.next));
    if (from > latest) return;
    const events = await this.ds
      .getRepository(EventRecord)
      .find({ where: { sequence: MoreThanOrEqual(from) }, order: { sequence: 'ASC' }, take: PAGE });
    if (events.length === 0) return;
    const last = events[events.length - 1].sequence;
    for (const sub of this.subscribers) {
      for (const event of events) if (event.sequence >= sub.next && matchesFilter(sub.filter, event)) sub.send(event);
      sub.next = Math.max(sub.next, last + 1);
    }
  }
}
