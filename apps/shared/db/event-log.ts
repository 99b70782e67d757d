import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { EventData, EventType } from '../events/event-types.js';
import { APPEND_CHANNEL } from './append-signal.js';
import { type EventRecord } from './entities.js';
import { chunks } from './chunks.js';
import { nowIso } from './data-source.js';
import { marks, presentValues, sqlRows } from './sql.js';

interface EventEnvelope {
  /** Idempotency key: an event whose key is already in the log is not appended again. */
  key: string;
  processId?: string;
  processType?: string;
  topic: string;
  /** Defaults to `data.author` when that is a string. */
  author?: string;
  correlator?: string;
}

/**
 * An event to append: its `type` one of the catalogue's (events/event-types.ts)
 * and its `data` of that type's shape. A type the catalogue does not list (a
 * test's or a benchmark's synthetic events) is written only when asked for by
 * name: `appendEvents<'bench-synthetic'>(em, events)`.
 */
export type NewEvent<Type extends string = EventType> = Type extends EventType
  ? EventEnvelope & { type: Type; data?: EventData<Type> }
  : EventEnvelope & { type: Type; data?: Record<string, unknown> };

/** Any event to append, as stored: the columns do not depend on the type. */
type StoredEvent = EventEnvelope & { type: string; data?: Record<string, unknown> };

/**
 * Appends events inside the caller's transaction. Sequences come from a
 * counter row updated in the same transaction, so they stay gap-free on
 * SQLite and PostgreSQL alike (a rolled-back append takes its numbers back).
 */
export async function appendEvents<Type extends string = EventType>(
  em: EntityManager,
  events: readonly NewEvent<NoInfer<Type>>[],
): Promise<EventRecord[]> {
  const stored: readonly StoredEvent[] = events;
  if (stored.length === 0) return [];
  const known = await presentValues(
    em,
    'events',
    'key',
    stored.map((e) => e.key),
  );
  const fresh: StoredEvent[] = [];
  for (const e of stored)
    if (!known.has(e.key)) {
      known.add(e.key);
      fresh.push(e);
    }
  if (fresh.length === 0) return [];
  await sqlRows(em, 'UPDATE "counters" SET "value" = "value" + ? WHERE "name" = ?', [fresh.length, 'events']);
  const [counter] = await sqlRows<{ value: number }>(em, 'SELECT "value" FROM "counters" WHERE "name" = ?', ['events']);
  if (!counter) throw new Error('the events counter row is missing (migrations not run?)');
  const value = Number(counter.value);
  const created = nowIso();
  const records = fresh.map((e, i): EventRecord => ({
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
  }));
  for (const part of chunks(records, CHUNK)) await insertEvents(em, part);
  // Readers in other processes (the gateway's event stream) hear of it at commit; SQLite's are told by its WAL.
  if (em.connection.options.type === 'postgres') await em.query(`SELECT pg_notify('${APPEND_CHANNEL}', '')`);
  return records;
}

const COLUMNS = [
  'sequence',
  'id',
  'key',
  'type',
  'processId',
  'processType',
  'topic',
  'author',
  'correlator',
  'data',
  'created',
];

/**
 * One plain multi-row INSERT: TypeORM's query builder spends far longer
 * building a large insert than the database takes to run it, and a rebuild
 * appends events by the thousand. `data` is stored as simple-json stores it.
 */
async function insertEvents(em: EntityManager, records: EventRecord[]): Promise<void> {
  const rows = records.map(() => `(${marks(COLUMNS.length)})`);
  const values = records.flatMap((r) => [
    r.sequence,
    r.id,
    r.key,
    r.type,
    r.processId,
    r.processType,
    r.topic,
    r.author,
    r.correlator,
    r.data === null ? null : JSON.stringify(r.data),
    r.created,
  ]);
  await sqlRows(
    em,
    `INSERT INTO "events" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${rows.join(', ')}`,
    values,
  );
}

/** Rows per statement: keeps a rebuild's large appends under SQLite's bound-parameter limit. */
const CHUNK = 100;
