import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DataSource } from 'typeorm';
import { EventStreamService } from '../../apps/gateway/events/event-stream.service.js';
import { AppendSignal } from '../../apps/shared/db/append-signal.js';
import type { MemberConfig } from '../../apps/shared/config.js';
import { inTransaction, openDatabase, type DatabaseOptions } from '../../apps/shared/db/data-source.js';
import type { EventRecord } from '../../apps/shared/db/entities.js';
import { appendEvents } from '../../apps/shared/db/event-log.js';
import { createLogger } from '../../apps/shared/logger.js';
import { tempDir } from '../contracts/chain-helpers.js';
import { freshTestDatabase } from '../support/member-database.js';

// The gateway reads events the worker appends, in another process, when the
// append is announced (PostgreSQL NOTIFY or the SQLite WAL written): with
// EVENT_POLL_MS at a minute, only the announcement can bring them here in time.
describe('event log appends announced to the other process', () => {
  const log = createLogger('test', 'buyer', 'error');
  let options: DatabaseOptions;
  let gateway: DataSource;
  let worker: DataSource;
  let stream: EventStreamService;

  const append = (key: string) =>
    inTransaction(worker, (em) => appendEvents<'test'>(em, [{ key, type: 'test', topic: 'announce', data: { key } }]));

  beforeAll(async () => {
    options = await freshTestDatabase('baton_infra_announce', await tempDir('announce'));
    gateway = await openDatabase(options, true);
    worker = await openDatabase(options, false);
    stream = new EventStreamService(gateway, log, { ...options, eventPollMs: 60_000 } as MemberConfig);
  });

  afterAll(async () => {
    await stream?.onModuleDestroy();
    await gateway?.destroy();
    await worker?.destroy();
  });

  it('tells a listener of each append made through another connection', async () => {
    let heard = 0;
    const signal = new AppendSignal(options, () => heard++, log);
    signal.start();
    try {
      await vi.waitFor(() => expect(signal.live).toBe(true), { timeout: 10_000 });
      const before = heard;
      await append('signal-1');
      await vi.waitFor(() => expect(heard).toBeGreaterThan(before), { timeout: 10_000 });
    } finally {
      await signal.stop();
    }
    expect(signal.live).toBe(false);
  });

  it("hands the worker's appends to a subscriber without waiting for EVENT_POLL_MS", async () => {
    const received: EventRecord[] = [];
    const unsubscribe = await stream.subscribe({ filter: {}, send: (e) => received.push(e) }, 'newest');
    try {
      for (const key of ['stream-1', 'stream-2', 'stream-3']) {
        await append(key);
        await vi.waitFor(() => expect(received.map((e) => e.key)).toContain(key), { timeout: 10_000 });
      }
      expect(received.map((e) => e.key)).toEqual(['stream-1', 'stream-2', 'stream-3']);
    } finally {
      unsubscribe();
    }
  });
});
