import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MoreThanOrEqual, type DataSource } from 'typeorm';
import { EventRecord } from '../../shared/db/entities.js';
import type { MemberConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { AppendSignal, PollPace } from '../../shared/db/append-signal.js';
import { CONFIG, DATA_SOURCE, LOGGER } from '../core/tokens.js';
import { matchesFilter, type EventFilter } from './event-filter.js';

export type { EventFilter } from './event-filter.js';

export interface StreamSubscriber {
  filter: EventFilter;
  /** Subscription kind, for the lag metric; ephemeral unless said (durable ones come later). */
  kind?: string;
  send(event: EventRecord): void;
  /** False while the subscriber's transport is backed up: its replay waits for it (live events still go). */
  ready?(): boolean;
}

interface Registration extends StreamSubscriber {
  next: number;
  /** Catching up in the replay loop rather than following the shared reads of the log's tail. */
  replaying: boolean;
}

/** Events per read of the log, shared or a replay's. */
const PAGE = 500;
/** A replay loop in which no subscriber was ready waits this long before the next round. */
const REPLAY_IDLE_MS = 20;
/** Between reads of the log while the worker's appends are announced (a safety net). */
const QUIET_POLL_MS = 1_000;
/**
 * A second look this long after an announced read found nothing: SQLite's
 * watch fires as the commit is written to the WAL, and a reader can get there
 * before the commit is visible in the WAL index.
 */
const FOLLOW_UP_MS = 5;

/**
 * Follows the member's event log (written by the worker and the gateway) and
 * hands each new event, in sequence order, to every subscriber whose filter
 * matches. Each subscriber keeps its own position, so one that started at
 * `oldest` catches up without a gap or a duplicate at the seam: apart from
 * the others, in the replay loop, so that it never slows their live events.
 *
 * The worker writes most events, in its own process: the log is read when an
 * append is announced (AppendSignal: PostgreSQL NOTIFY, or the SQLite WAL
 * written), about once a second besides, and every EVENT_POLL_MS while
 * announcements are not coming (PollPace).
 */
@Injectable()
export class EventStreamService implements OnModuleDestroy {
  private readonly subscribers = new Set<Registration>();
  /** Subscribers catching up, in the replay loop's order. */
  private readonly replays = new Set<Registration>();
  private replayLoopRunning = false;
  private readonly appendListeners = new Set<(latest: number) => void>();
  /** The next sequence append listeners have not been told about. */
  private tail = 0;
  private readonly signal: AppendSignal;
  private readonly pace: PollPace;
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** An announcement came during a read: read again as soon as it ends. */
  private again = false;
  private followUpDue = false;
  /** The newest sequence the last read found (undefined before the first). */
  private seen?: number;
  private closed = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(CONFIG) config: MemberConfig,
  ) {
    this.pace = new PollPace(config.eventPollMs, QUIET_POLL_MS);
    this.signal = new AppendSignal(config, () => this.heard(), log);
    this.schedule(config.eventPollMs);
    this.signal.start(); // may announce at once (SQLite): a read right away
  }

  /** The newest event's sequence (0 for an empty log): one plain indexed read, asked at each read of the log. */
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

  /**
   * firstEvent: 'oldest', 'newest' (only events after now) or a sequence
   * number to start at. A subscriber that starts back in the log catches up
   * in the replay loop, then follows the tail with the others.
   */
  async subscribe(subscriber: StreamSubscriber, firstEvent: 'oldest' | 'newest' | number): Promise<() => void> {
    const next = firstEvent === 'oldest' ? 1 : firstEvent === 'newest' ? (await this.latestSequence()) + 1 : firstEvent;
    const registration: Registration = { ...subscriber, next, replaying: false };
    this.subscribers.add(registration);
    if (firstEvent !== 'newest') this.replay(registration);
    return () => {
      this.subscribers.delete(registration);
      this.replays.delete(registration);
    };
  }

  /** Calls `listener` with the newest sequence whenever the log grew (durable subscriptions wake on it). */
  onAppend(listener: (latest: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.signal.stop();
  }

  private heard(): void {
    this.pace.heard();
    if (this.polling) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.closed) this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    let next = this.pace.intervalMs(this.signal.live);
    if (this.subscribers.size === 0 && this.appendListeners.size === 0) {
      this.seen = undefined; // nobody followed meanwhile: growth is no miss
      this.pace.begin();
      return this.schedule(next);
    }
    this.polling = true;
    const heard = this.pace.begin();
    const announced = heard || this.followUpDue;
    this.followUpDue = false;
    try {
      // Most reads find nothing new: one cheap read says so before any page of events is read.
      const latest = await this.latestSequence();
      const grew = this.seen !== undefined && latest > this.seen;
      this.seen = latest;
      if (this.pace.read(grew, announced, this.signal.live))
        this.log.warn('the event log grew without being announced; reading it every EVENT_POLL_MS from now on', {
          missedReads: PollPace.MAX_MISSES,
        });
      if (heard && !grew) {
        this.followUpDue = true;
        next = FOLLOW_UP_MS;
      }
      if (this.appendListeners.size > 0) this.tellTail(latest);
      if (this.subscribers.size > 0) await this.pollSubscribers(latest);
    } catch (err) {
      this.log.error('reading the event log failed', { error: (err as Error).message });
    } finally {
      this.polling = false;
      if (this.again) next = 0;
      this.again = false;
      this.schedule(next);
    }
  }

  /** Listeners read the events themselves, from their own offsets. */
  private tellTail(latest: number): void {
    if (latest < this.tail) return;
    this.tail = latest + 1;
    for (const listener of this.appendListeners) listener(latest);
  }

  /**
   * One read of the tail for every subscriber that follows it. One that has
   * fallen more than a page behind goes to the replay loop instead, so that
   * it never holds the reads of the others back.
   */
  private async pollSubscribers(latest: number): Promise<void> {
    let from = Infinity;
    for (const sub of this.subscribers) {
      if (sub.replaying) continue;
      if (latest - sub.next + 1 > PAGE) this.replay(sub);
      else from = Math.min(from, sub.next);
    }
    if (from > latest) return;
    const events = await this.read(from);
    if (events.length === 0) return;
    const last = events[events.length - 1].sequence;
    for (const sub of this.subscribers) {
      // One back from its replay while this read ran may be behind `from`: the next read starts at it.
      if (sub.replaying || sub.next < from) continue;
      for (const event of events) if (event.sequence >= sub.next && matchesFilter(sub.filter, event)) sub.send(event);
      sub.next = Math.max(sub.next, last + 1);
    }
  }

  private replay(sub: Registration): void {
    sub.replaying = true;
    this.replays.add(sub);
    if (!this.replayLoopRunning) void this.runReplays();
  }

  /**
   * The replay loop: a page for each replaying subscriber in turn, with a turn
   * of the event loop after each, so that a long replay from `oldest` (or
   * many of them) delays the others' live events by one page at most, and
   * each replay goes at its own client's pace (`ready`).
   */
  private async runReplays(): Promise<void> {
    this.replayLoopRunning = true;
    try {
      while (!this.closed && this.replays.size > 0) {
        let progressed = false;
        for (const sub of [...this.replays]) {
          if (this.closed || !this.replays.has(sub) || sub.ready?.() === false) continue;
          await this.replayPage(sub);
          progressed = true;
          await nextTurn();
        }
        if (!progressed) await sleep(REPLAY_IDLE_MS);
      }
    } finally {
      this.replayLoopRunning = false;
    }
  }

  private async replayPage(sub: Registration): Promise<void> {
    let events: EventRecord[];
    try {
      events = await this.read(sub.next);
    } catch (err) {
      this.log.error('reading the event log for a replay failed', { error: (err as Error).message });
      await sleep(QUIET_POLL_MS);
      return;
    }
    if (!this.replays.has(sub)) return; // unsubscribed meanwhile
    for (const event of events) if (matchesFilter(sub.filter, event)) sub.send(event);
    if (events.length > 0) sub.next = events[events.length - 1].sequence + 1;
    if (events.length < PAGE) {
      this.replays.delete(sub);
      sub.replaying = false;
    }
  }

  private read(from: number): Promise<EventRecord[]> {
    return this.ds
      .getRepository(EventRecord)
      .find({ where: { sequence: MoreThanOrEqual(from) }, order: { sequence: 'ASC' }, take: PAGE });
  }
}
