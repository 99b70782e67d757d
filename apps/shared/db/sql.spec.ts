import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './data-source.js';
import { ProcessRecord } from './entities.js';
import { storedProcessRow } from './process-row.js';
import { insertRows, marks, presentValues, sqlRows } from './sql.js';

describe('hand-written statements', () => {
  let dir: string;
  let ds: DataSource;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-sql-'));
    ds = await openDatabase({ databaseUrl: '', sqlitePath: join(dir, 'baton.sqlite') }, true);
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the rows of a read and nothing for a write', async () => {
    const names = ['a', 'b', 'c'];
    for (const name of names)
      expect(await sqlRows(ds, 'INSERT INTO "counters" ("name", "value") VALUES (?, ?)', [name, 7])).toEqual([]);
    expect(await sqlRows(ds, 'UPDATE "counters" SET "value" = "value" + ? WHERE "name" = ?', [1, 'b'])).toEqual([]);
    const rows = await sqlRows<{ name: string; value: number }>(
      ds,
      `SELECT "name", "value" FROM "counters" WHERE "name" IN (${marks(names.length)}) ORDER BY "name"`,
      names,
    );
    expect(rows).toEqual([
      { name: 'a', value: 7 },
      { name: 'b', value: 8 },
      { name: 'c', value: 7 },
    ]);
  });

  it('tells which values a column holds already', async () => {
    const asked = Array.from({ length: 1_200 }, (_, i) => `n${i}`); // more than one IN list
    for (const name of ['n7', 'n599', 'n1100'])
      await sqlRows(ds, 'INSERT INTO "counters" ("name", "value") VALUES (?, 0)', [name]);
    expect(await presentValues(ds, 'counters', 'name', asked)).toEqual(new Set(['n7', 'n599', 'n1100']));
    expect(await presentValues(ds, 'counters', 'name', [])).toEqual(new Set());
  });

  it('inserts rows in as many statements as the parameter limit needs, and updates or skips on a conflict', async () => {
    const rows = Array.from({ length: 1_500 }, (_, i) => ({ name: `r${i}`, value: i })); // more than one statement
    await insertRows(ds, 'counters', rows);
    const count = async () =>
      (await sqlRows<{ n: number }>(ds, `SELECT COUNT(*) AS "n" FROM "counters" WHERE "name" LIKE 'r%'`))[0].n;
    expect(Number(await count())).toBe(1_500);
    await insertRows(ds, 'counters', [{ name: 'r1', value: -1 }], { on: ['name'], then: 'ignore' });
    await insertRows(
      ds,
      'counters',
      [
        { name: 'r2', value: -2 },
        { name: 'r-new', value: 5 },
      ],
      {
        on: ['name'],
        then: 'update',
      },
    );
    const values = await sqlRows<{ name: string; value: number }>(
      ds,
      `SELECT "name", "value" FROM "counters" WHERE "name" IN ('r1', 'r2', 'r-new') ORDER BY "name"`,
    );
    expect(values).toEqual([
      { name: 'r-new', value: 5 },
      { name: 'r1', value: 1 },
      { name: 'r2', value: -2 },
    ]);
    await insertRows(ds, 'counters', []);
  });

  it('stores a process row that TypeORM reads back as it wrote it (JSON columns as text)', async () => {
    const row: ProcessRecord = {
      id: 'p-json',
      type: 'trade-settlement',
      status: 'running',
      initiator: 'buyer',
      participants: { buyer: 'buyer', seller: 'seller' },
      input: { amount: 500, note: 'ü "quoted"' },
      steps: [{ name: 'place-order', status: 'done' }],
      reason: null,
      rejectedBy: null,
      startPin: 3,
      cancellations: [],
      failedStep: null,
      appliedIndex: 1,
      workflowId: 'process/p-json/buyer',
      createdAt: '2026-11-27T00:00:00.000Z',
      updatedAt: '2026-11-27T00:00:00.000Z',
    };
    await insertRows(ds, 'processes', [storedProcessRow(row)], { on: ['id'], then: 'update' });
    await insertRows(ds, 'processes', [storedProcessRow({ ...row, status: 'completed', appliedIndex: 2 })], {
      on: ['id'],
      then: 'update',
    });
    expect(await ds.getRepository(ProcessRecord).findOneByOrFail({ id: 'p-json' })).toEqual({
      ...row,
      status: 'completed',
      appliedIndex: 2,
    });
  });

  it('numbers the placeholders for PostgreSQL', async () => {
    const seen: string[] = [];
    const postgres = {
      options: { type: 'postgres' },
      query: (text: string) => {
        seen.push(text);
        return Promise.resolve([{ one: 1 }]);
      },
    } as unknown as DataSource;
    expect(await sqlRows(postgres, 'SELECT 1 AS "one" WHERE ? IN (?, ?)', [1, 1, 2])).toEqual([{ one: 1 }]);
    expect(seen).toEqual(['SELECT 1 AS "one" WHERE $1 IN ($2, $3)']);
  });

  it('refuses an empty IN list, which is not SQL', () => {
    expect(marks(2)).toBe('?, ?');
    expect(() => marks(0)).toThrow(RangeError);
  });
});
