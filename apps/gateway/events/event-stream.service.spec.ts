import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MemberConfig } from '../../shared/config.js';
import { inTransaction, openDatabase } from '../../shared/db/data-source.js';
import type { EventRecord } from '../../shared/db/entities.js';
import { appendEvents } from '../../shared/db/event-log.js';
import { createLogger } from '../../shared/logger.js';
import { EventStreamService } from './event-stream.service.js';

const HISTORY = 5_000;

/** Holds the event loop for `ms`, as a subscriber whose sends are slow would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('EventStreamService: replays apart from the live tail', () => {
  let dir: string;
  let ds: DataSource;
  let stream: EventStreamService;
  const append = (keys: string[]) =>
    inTransaction(ds, (em) =>
      appendEvents<'test'>(
        em,
        keys.map((key) => ({ key, type: 'test', topic: 'replay' })),
      ),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-stream-'));
    const options = { databaseUrl: '', sqlitePath: join(dir, 'baton.sqlite') };
    ds = await openDatabase(options, true);
    await append(Array.from({ length: HISTORY }, (_, i) => `history-${i}`));
    stream = new EventStreamService(ds, createLogger('gateway', 'test', 'error'), {
      ...options,
      eventPollMs: 50,
    } as MemberConfig);
  });

  afterAll(async () => {
    await stream.onModuleDestroy();
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a live event to one subscriber while another still replays the log from oldest, and the replay misses nothing', async () => {
    const replayed: number[] = [];
    // A third of a millisecond an event: the replay of the history takes seconds.
    const replayer = await stream.subscribe(
      {
        filter: {},
        send: (e) => {
          busy(0.3);
          replayed.push(e.sequence);
        },
      },
      'oldest',
    );
    let liveAt: { ms: number; replayedSoFar: number } | undefined;
    const live = await stream.subscribe(
      {
        filter: {},
        send: (e) => {
          if (e.key === 'live-1') liveAt = { ms: performance.now() - appended, replayedSoFar: replayed.length };
        },
      },
      'newest',
    );
    await vi.waitFor(() => expect(replayed.length).toBeGreaterThan(0), { timeout: 10_000 });
    const appended = performance.now();
    await append(['live-1']);
    await vi.waitFor(() => expect(liveAt, 'the live event, 5 s after it was appended').toBeDefined(), {
      timeout: 5_000,
    });
    // Before the replay is through (it runs a page at a time, in turns with the live reads) and well within a second or two.
    expect(liveAt!.replayedSoFar).toBeLessThan(HISTORY);
    expect(liveAt!.ms).toBeLessThan(2_000);
    await vi.waitFor(() => expect(replayed.length).toBe(HISTORY + 1), { timeout: 30_000 });
    expect(replayed).toEqual(Array.from({ length: HISTORY + 1 }, (_, i) => i + 1));
    replayer();
    live();
  }, 60_000);

  it('replays at the pace of its client: nothing while it is not ready, all once it is', async () => {
    let ready = false;
    const received: EventRecord[] = [];
    const unsubscribe = await stream.subscribe({ filter: {}, send: (e) => received.push(e), ready: () => ready }, 1);
    await sleep(300);
    expect(received).toEqual([]);
    ready = true;
    await vi.waitFor(() => expect(received.length).toBe(HISTORY + 1), { timeout: 10_000 });
    unsubscribe();
  });
});
