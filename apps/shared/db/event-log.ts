import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { CounterRecord, EventRecord } from './entities.js';
import { nowIso } from './data-source.js';

export interface NewEvent {
  /** Idempotency key: an event whose key is already in the log is not appended again. */
  key: string;
  type: string;
  processId?: string;
  processType?: string;
  topic: string;
  /** Defaults to `data.author` when that is a string. */
  author?: string;
  correlator?: string;
  data?: Record<string, unknown>;
}

/**
 * Appends events inside the caller's transaction. Sequences come from a
 * counter row updated in the same transaction, so they stay gap-free on
 * SQLite and PostgreSQL alike (a rolled-back append takes its numbers back).
 */
export async function appendEvents(em: EntityManager, events: NewEvent[]): Promise<EventRecord[]> {
  if (events.length === 0) return [];
  const known = new Set(
    (await em.find(EventRecord, { select: { key: true }, where: { key: In(events.map((e) => e.key)) } })).map(
      (e) => e.key,
    ),
  );
  const fresh = events.filter((e, i) => !known.has(e.key) && events.findIndex((o) => o.key === e.key) === i);
  if (fresh.length === 0) return [];
  await em.increment(CounterRecord, { name: 'events' }, 'value', fresh.length);
  const { value } = await em.findOneByOrFail(CounterRecord, { name: 'events' });
  const created = nowIso();
  const records = fresh.map((e, i) =>
    em.create(EventRecord, {
      sequence: value - fresh.length + 1 + i,
      id: randomUUID(),
      key: e.key,
      type: e.type,
      processId: e.processId ?? null,
      processType: e.processType ?? null,
      topic: e.topic,
      author: e.author ?? (typeof e.data?.author === 'string' ? e.data.author : null),
      correlator: e.correlator ?? null,
      data: e.data ?? null,
      created,
    }),
  );
  // simple-json columns are typed loosely by TypeORM's insert; the records are complete entities.
  await em.insert(EventRecord, records as QueryDeepPartialEntity<EventRecord>[]);
  return records;
}
