import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, openDatabase, writeOnce } from './data-source.js';
import { sqlRows } from './sql.js';

describe('SQLite transactions while another process writes', () => {
  let dir: string;
  let file: string;
  let ds: DataSource;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-lock-'));
    file = join(dir, 'baton.sqlite');
    ds = await openDatabase({ databaseUrl: '', sqlitePath: file }, true);
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `write` while the other process of the member (its gateway, say)
   * holds the write lock for 300 ms; returns how often a 5 ms timer ran
   * meanwhile. The lock is released by a timer: were the wait a sleep inside
   * SQLite, the timer could not run before the 15 s busy timeout, and the
   * write would fail.
   */
  async function ticksWhileLocked(write: () => Promise<unknown>): Promise<number> {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const release = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('COMMIT');
        resolve();
      }, 300),
    );
    try {
      const written = write();
      await release;
      await written;
      return ticks;
    } finally {
      clearInterval(ticker);
      other.close();
    }
  }

  const counter = async (name: string) =>
    (await sqlRows<{ value: number }>(ds, 'SELECT "value" FROM "counters" WHERE "name" = ?', [name]))[0]?.value;

  it('waits for the write lock with the event loop free, then writes', async () => {
    const insert = (em: EntityManager) =>
      sqlRows(em, 'INSERT INTO "counters" ("name", "value") VALUES (?, ?)', ['locked', 1]);
    expect(await ticksWhileLocked(() => inTransaction(ds, insert))).toBeGreaterThan(10);
    expect(await counter('locked')).toBe(1);
    // The connection's busy timeout is back for what runs outside the writers' turn (reads, migrations).
    const [timeout] = await sqlRows<{ timeout: number }>(ds, 'PRAGMA busy_timeout');
    expect(timeout?.timeout).toBe(15_000);
  }, 30_000);

  it('makes a single write wait for the lock with the event loop free too', async () => {
    const insert = (em: EntityManager) =>
      sqlRows(em, 'INSERT INTO "counters" ("name", "value") VALUES (?, ?)', ['single', 1]);
    expect(await ticksWhileLocked(() => writeOnce(ds, insert))).toBeGreaterThan(10);
    expect(await counter('single')).toBe(1);
  }, 30_000);

  it('keeps a single write out of a transaction this process has open', async () => {
    // better-sqlite3 is one connection: a write sent while a transaction is
    // open would become part of it, and go when that transaction rolls back.
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const rolledBack = inTransaction(ds, async (em) => {
      await sqlRows(em, 'INSERT INTO "counters" ("name", "value") VALUES (?, ?)', ['doomed', 1]);
      inside();
      await new Promise<void>((resolve) => (finish = resolve));
      throw new Error('rolled back on purpose');
    });
    await opened;
    const written = writeOnce(ds, (em) =>
      sqlRows(em, 'INSERT INTO "counters" ("name", "value") VALUES (?, ?)', ['kept', 1]),
    );
    finish();
    await expect(rolledBack).rejects.toThrow('rolled back on purpose');
    await written;
    const rows = await sqlRows<{ name: string }>(ds, 'SELECT "name" FROM "counters" WHERE "name" IN (?, ?)', [
      'doomed',
      'kept',
    ]);
    expect(rows.map((r) => r.name)).toEqual(['kept']);
  });
});
