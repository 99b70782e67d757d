import type { DataSource, EntityManager } from 'typeorm';
import { chunks, inLists, IN_LIST } from './chunks.js';
import type { LedgerContextRecord, LedgerPinRecord } from './entities.js';
import { insertRows, marks, presentValues, sqlRows, type Queryable } from './sql.js';

/**
 * Where a recorded pin stands in the worker's ledger pipeline. The listener
 * records every pin `pending`; the projector moves it to `projected` once its
 * private data is here and every earlier pin of its context is applied; the
 * dispatcher moves it to `delivered` once the member's workflow has it, or to
 * `held` while it asks nothing of that workflow (it then travels with the
 * next pin that does, or alone after LEDGER_HOLD_MS); data recovery marks the
 * pins of processes this member takes no part in `foreign`.
 */
export type PinState = 'pending' | 'projected' | 'held' | 'delivered' | 'foreign';

export const PIN_STATES: readonly PinState[] = ['pending', 'projected', 'held', 'delivered', 'foreign'];

/** The columns of a recorded pin that projecting and delivering it need. */
export type ContextPin = Pick<
  LedgerPinRecord,
  | 'pin'
  | 'batch'
  | 'context'
  | 'hash'
  | 'author'
  | 'blockNumber'
  | 'transactionHash'
  | 'contextIndex'
  | 'state'
  | 'recordedAt'
>;

/**
 * Every query on the `ledger_pins` and `ledger_contexts` tables. Reads go to
 * the data source; writes take the caller's transaction (`em`), because each
 * stage writes its pins' states together with what it derived from them.
 */
export class PinStore {
  constructor(private readonly ds: DataSource) {}

  // ---- recording (the listener)

  /** The highest pin number recorded, 0 before the first. */
  async lastPin(db: Queryable): Promise<number> {
    const [last] = await sqlRows<{ pin: number | null }>(db, 'SELECT MAX("pin") AS "pin" FROM "ledger_pins"');
    return Number(last?.pin ?? 0);
  }

  /** Which of these pin numbers are recorded already. */
  recorded(db: Queryable, pins: number[]): Promise<Set<number>> {
    return presentValues(db, 'ledger_pins', 'pin', pins);
  }

  /** How many pins each of these contexts has had (absent: none yet). */
  async pinCounts(db: Queryable, contexts: string[]): Promise<Map<string, number>> {
    const rows = await inLists(contexts, (part) =>
      sqlRows<LedgerContextRecord>(
        db,
        `SELECT "context", "pinCount" FROM "ledger_contexts" WHERE "context" IN (${marks(part.length)})`,
        part,
      ),
    );
    return new Map(rows.map((c) => [c.context, c.pinCount]));
  }

  /** Records new pins and their contexts' new pin counts. */
  async insert(em: EntityManager, pins: LedgerPinRecord[], counts: LedgerContextRecord[]): Promise<void> {
    await insertRows(em, 'ledger_pins', pins);
    await insertRows(em, 'ledger_contexts', counts, { on: ['context'], then: 'update' });
  }

  // ---- reading a context's pins (projector and dispatcher)

  /** Every recorded pin of these contexts, in no particular order. */
  pinsOf(contexts: string[]): Promise<ContextPin[]> {
    return inLists(contexts, (part) =>
      sqlRows<ContextPin>(
        this.ds,
        `SELECT "pin", "batch", "context", "hash", "author", "blockNumber", "transactionHash", "contextIndex", "state", "recordedAt"
         FROM "ledger_pins" WHERE "context" IN (${marks(part.length)})`,
        part,
      ),
    );
  }

  // ---- projecting

  /** Contexts whose first pending pin has its data, oldest first. */
  readyToProject(limit: number): Promise<string[]> {
    return this.oldestContexts(
      `INNER JOIN "private_messages" m ON m."hash" = p."hash"
       WHERE p."state" = 'pending'
         AND NOT EXISTS (SELECT 1 FROM "ledger_pins" q
                         WHERE q."context" = p."context" AND q."state" = 'pending' AND q."contextIndex" < p."contextIndex")`,
      [],
      limit,
    );
  }

  /** True while a recorded pin waits for its private data (or for projection). */
  async anyPending(): Promise<boolean> {
    return (
      (await sqlRows(this.ds, `SELECT 1 AS "one" FROM "ledger_pins" WHERE "state" = 'pending' LIMIT 1`)).length > 0
    );
  }

  markProjected(em: EntityManager, pins: number[]): Promise<void> {
    return this.move(em, 'pin', pins, 'projected', 'pending');
  }

  // ---- delivering

  /**
   * Contexts with pins to hand to their workflows (projected, or held since
   * before `heldBefore`), oldest first. A context waits while any of its
   * pins is pending: a workflow must never act on a history the ledger has
   * already gone past (a member rebuilding asks peers for data in any order).
   */
  readyToDeliver(heldBefore: string, limit: number): Promise<string[]> {
    return this.oldestContexts(
      `WHERE (p."state" = 'projected' OR (p."state" = 'held' AND p."recordedAt" < ?))
         AND NOT EXISTS (SELECT 1 FROM "ledger_pins" q WHERE q."context" = p."context" AND q."state" = 'pending')`,
      [heldBefore],
      limit,
    );
  }

  mark(em: EntityManager, state: 'delivered' | 'held', pins: number[]): Promise<void> {
    return this.move(em, 'pin', pins, state);
  }

  /** Hands these contexts' delivered pins to the dispatcher again (their workflow was lost). */
  redeliver(em: EntityManager, contexts: string[]): Promise<void> {
    return this.move(em, 'context', contexts, 'projected', 'delivered');
  }

  // ---- recovering private data

  /** Contexts with a pending pin whose private data this member lacks, oldest first. */
  lackingData(limit: number): Promise<string[]> {
    return this.oldestContexts(
      `LEFT JOIN "private_messages" m ON m."hash" = p."hash" WHERE p."state" = 'pending' AND m."hash" IS NULL`,
      [],
      limit,
    );
  }

  /** The pending pins of these contexts are another process's: never asked about again. */
  markForeign(em: EntityManager, contexts: string[]): Promise<void> {
    return this.move(em, 'context', contexts, 'foreign', 'pending');
  }

  /** New pins of a context already known foreign are foreign too. */
  async spreadForeign(em: EntityManager): Promise<void> {
    await sqlRows(
      em,
      `UPDATE "ledger_pins" SET "state" = 'foreign' WHERE "state" = 'pending'
       AND "context" IN (SELECT "context" FROM "ledger_pins" WHERE "state" = 'foreign')`,
    );
  }

  // ---- reporting (catch-up, the gateway's status and message intake)

  async count(): Promise<number> {
    const [row] = await sqlRows<{ count: number | string }>(this.ds, 'SELECT COUNT(*) AS "count" FROM "ledger_pins"');
    return Number(row?.count ?? 0);
  }

  /** How many pins stand in each state (every state named, zero when none). */
  async countByState(): Promise<Record<PinState, number>> {
    const rows = await sqlRows<{ state: PinState; count: number | string }>(
      this.ds,
      'SELECT "state", COUNT(*) AS "count" FROM "ledger_pins" GROUP BY "state"',
    );
    const counts = Object.fromEntries(PIN_STATES.map((s) => [s, 0])) as Record<PinState, number>;
    for (const { state, count } of rows) counts[state] = Number(count);
    return counts;
  }

  /** True when any of these message hashes is pinned. */
  async anyPinned(hashes: string[]): Promise<boolean> {
    return (await presentValues(this.ds, 'ledger_pins', 'hash', hashes)).size > 0;
  }

  /** The contexts of the pins `p` that `where` (with joins) selects, by their first such pin, oldest first. */
  private async oldestContexts(where: string, params: unknown[], limit: number): Promise<string[]> {
    const rows = await sqlRows<{ context: string }>(
      this.ds,
      `SELECT p."context", MIN(p."pin") AS "first" FROM "ledger_pins" p ${where}
       GROUP BY p."context" ORDER BY "first" LIMIT ${Math.trunc(limit)}`,
      params,
    );
    return rows.map((r) => r.context);
  }

  /** Sets `to` on the pins whose `column` is one of `values` (and whose state is `from`, when given). */
  private async move<T>(em: EntityManager, column: 'pin' | 'context', values: T[], to: PinState, from?: PinState) {
    for (const part of chunks(values, IN_LIST))
      await sqlRows(
        em,
        `UPDATE "ledger_pins" SET "state" = ? WHERE ${from ? `"state" = ? AND ` : ''}"${column}" IN (${marks(part.length)})`,
        [to, ...(from ? [from] : []), ...part],
      );
  }
}
