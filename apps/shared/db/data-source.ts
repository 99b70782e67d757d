import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource, type EntityManager } from 'typeorm';
import { ENTITIES } from './entities.js';
import { InitialSchema1764100000001 } from './migrations/0001-initial-schema.js';
import { ProcessOutcomes1764100000002 } from './migrations/0002-process-outcomes.js';
import { Data1764100000003 } from './migrations/0003-data.js';
import { Subscriptions1764100000004 } from './migrations/0004-subscriptions.js';

/** Numbered migrations, oldest first. Schema changes only ever go through here. */
export const MIGRATIONS = [
  InitialSchema1764100000001,
  ProcessOutcomes1764100000002,
  Data1764100000003,
  Subscriptions1764100000004,
];

export interface DatabaseOptions {
  /** postgres://… selects PostgreSQL; empty selects the SQLite file. */
  databaseUrl: string;
  sqlitePath: string;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    return new DataSource({ type: 'postgres', url: options.databaseUrl, ...common, extra: { max: 10 } });
  }
  if (options.databaseUrl) throw new Error(`DATABASE_URL must be a postgres:// URL, got "${options.databaseUrl}"`);
  const file = resolve(options.sqlitePath);
  mkdirSync(dirname(file), { recursive: true });
  // The gateway and the worker of a member share the file: WAL lets readers
  // run beside the writer, and the busy timeout makes writers queue.
  // synchronous=NORMAL in WAL mode loses nothing when a process is killed,
  // only on a power cut, and spares an fsync per commit.
  return new DataSource({
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    timeout: 15_000,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
    ...common,
  });
}

export async function openDatabase(options: DatabaseOptions, migrate: boolean): Promise<DataSource> {
  const ds = createDataSource(options);
  await ds.initialize();
  if (migrate) await ds.runMigrations({ transaction: 'all' });
  else if (await ds.showMigrations())
    throw new Error('the database has pending migrations: run them first (DB_MIGRATE=true)');
  return ds;
}

/**
 * Runs `work` in a transaction, retrying when SQLite reports the database
 * busy (another process of the same member holds the write lock).
 */
export async function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.transaction(work);
    } catch (err) {
      if (attempt >= 20 || !/SQLITE_BUSY|database is locked/i.test(String((err as Error).message))) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
