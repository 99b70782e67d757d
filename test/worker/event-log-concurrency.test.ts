import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { inTransaction, openDatabase } from '../../apps/shared/db/data-source.js';
import { EventRecord } from '../../apps/shared/db/entities.js';
import { appendEvents } from '../../apps/shared/db/event-log.js';
import { tempDir } from '../contracts/chain-helpers.js';
import { freshTestDatabase } from '../support/member-database.js';

// A member's gateway and worker append to one event log at the same time, on
// whichever engine the run uses (SQLite, or PostgreSQL with DATABASE_URL).
describe('event log under concurrent appends', () => {
  let gateway: DataSource;
  let worker: DataSource;

  beforeAll(async () => {
    const options = await freshTestDatabase('baton_infra_event_log', await tempDir('event-log'));
    gateway = await openDatabase(options, true);
    worker = await openDatabase(options, false);
  });

  afterAll(async () => {
    await gateway?.destroy();
    await worker?.destroy();
  });

  it('numbers every event once, gap-free, and appends a key sent concurrently only once', async () => {
    const append = (ds: DataSource, key: string) =>
      inTransaction(ds, (em) => appendEvents<'test'>(em, [{ key, type: 'test', topic: 'concurrency', data: { key } }]));
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => append(i % 2 ? gateway : worker, `distinct-${i}`)),
      ...Array.from({ length: 10 }, (_, i) => append(i % 2 ? gateway : worker, 'same-key')),
    ]);
    expect(results.slice(40).flat()).toHaveLength(1); // one of the ten appended it, the others saw it

    const events = await gateway.getRepository(EventRecord).find({ order: { sequence: 'ASC' } });
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.key)).size).toBe(41);
    expect(events.filter((e) => e.key === 'same-key')).toHaveLength(1);
    expect(typeof events[0].sequence).toBe('number');
    expect(events.find((e) => e.key === 'distinct-7')!.data).toEqual({ key: 'distinct-7' });
  });
});
