import { inLists } from './chunks.js';
import { marks, sqlRows, type Queryable } from './sql.js';

/** The stored bodies of the messages with these hashes, by hash (hashes this member lacks are absent). */
export async function messageBodies(db: Queryable, hashes: string[]): Promise<Map<string, string>> {
  const rows = await inLists([...new Set(hashes)], (part) =>
    sqlRows<{ hash: string; body: string }>(
      db,
      `SELECT "hash", "body" FROM "private_messages" WHERE "hash" IN (${marks(part.length)})`,
      part,
    ),
  );
  return new Map(rows.map((m) => [m.hash, m.body]));
}
