import type { DataSource, EntityManager } from 'typeorm';
import { chunks, inLists, IN_LIST } from './chunks.js';

/** A data source, or the entity manager of a transaction. */
export type Queryable = DataSource | EntityManager;

/**
 * Runs one hand-written statement, written with `?` placeholders (numbered
 * `$1, $2, …` on PostgreSQL), and returns its rows (none for a write).
 *
 * For the worker's hot paths: per statement, TypeORM's query builder and
 * entity mapping took several times what SQLite took to run it (profiled
 * under load: about a quarter of a worker's CPU). Tables and columns are
 * quoted as the entities name them, so one text serves both databases.
 *
 * @example
 * const pins = await sqlRows<{ pin: number }>(ds, 'SELECT "pin" FROM "ledger_pins" WHERE "state" = ?', ['pending']);
 */
export async function sqlRows<T>(db: Queryable, text: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(isPostgres(db) ? numbered(text) : text, params);
  // SELECTs answer rows on both drivers; a PostgreSQL UPDATE answers [rows, count], a SQLite one a row id.
  if (Array.isArray(result) && (result.length === 0 || !Array.isArray(result[0]))) return result as T[];
  return [];
}

/** `?, ?, ?` for an IN list of `count` values (at least one: `IN ()` is not SQL). */
export function marks(count: number): string {
  if (count < 1) throw new RangeError('an IN list needs at least one value');
  return `${'?, '.repeat(count - 1)}?`;
}

/** Which of `values` are in `table`.`column` already (a few IN lists; names are the code's own, never input). */
export async function presentValues<T extends string | number>(
  db: Queryable,
  table: string,
  column: string,
  values: T[],
): Promise<Set<T>> {
  const rows = await inLists(values, (part) =>
    sqlRows<Record<string, T>>(
      db,
      `SELECT "${column}" FROM "${table}" WHERE "${column}" IN (${marks(part.length)})`,
      part,
    ),
  );
  return new Set(rows.map((r) => r[column]));
}

function isPostgres(db: Queryable): boolean {
  return ('dataSource' in db ? db.dataSource : db).options.type === 'postgres';
}

/** `?` → `$n`; the hand-written statements hold no `?` in string literals. */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * Inserts `rows` (objects with the columns of the first, values as stored:
 * JSON columns already as text) in as few statements as
 * the bound-parameter limit allows. With `conflict`: a row whose `conflict`
 * columns match a stored one updates every other column of it (`update`), or
 * is skipped (`ignore`).
 */
export async function insertRows(
  db: Queryable,
  table: string,
  rows: object[],
  conflict?: { on: string[]; then: 'update' | 'ignore' },
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const tuple = `(${marks(columns.length)})`;
  let tail = '';
  if (conflict) {
    const update = columns.filter((c) => !conflict.on.includes(c)).map((c) => `"${c}" = EXCLUDED."${c}"`);
    tail =
      conflict.then === 'update' && update.length > 0
        ? ` ON CONFLICT (${conflict.on.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${update.join(', ')}`
        : ' ON CONFLICT DO NOTHING';
  }
  const perStatement = Math.max(1, Math.floor((IN_LIST * 4) / columns.length));
  for (const part of chunks(rows, perStatement))
    await sqlRows(
      db,
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${part.map(() => tuple).join(', ')}${tail}`,
      part.flatMap((row) => columns.map((c) => (row as Record<string, unknown>)[c])),
    );
}
