import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataSource, type EntityManager } from 'typeorm';
import { ENTITIES } from './entities.js';
import { InitialSchema1764100000001 } from './migrations/0001-initial-schema.js';
import { ProcessOutcomes1764100000002 } from './migrations/0002-process-outcomes.js';
import { Data1764100000003 } from './migrations/0003-data.js';
import { Subscriptions1764100000004 } from './migrations/0004-subscriptions.js';
import { PinContextState1764100000005 } from './migrations/0005-pin-context-state.js';
import { OutboundPeers1764100000006 } from './migrations/0006-outbound-peers.js';
import { MessageIdIndex1764100000007 } from './migrations/0007-message-id-index.js';
import { SubscriptionOwner1764100000008 } from './migrations/0008-subscription-owner.js';
import { isPostgresUrl, memberDatabaseUrl } from './postgres.js';

/** Numbered migrations, oldest first. Schema changes only ever go through here. */
export const MIGRATIONS = [
  InitialSchema1764100000001,
  ProcessOutcomes1764100000002,
  Data1764100000003,
  Subscriptions1764100000004,
  PinContextState1764100000005,
  OutboundPeers1764100000006,
  MessageIdIndex1764100000007,
  SubscriptionOwner1764100000008,
];

/** How long a SQLite writer waits for another process of the member to finish its write (the busy timeout). */
const SQLITE_LOCK_WAIT_MS = 15_000;

export interface DatabaseOptions {
  /** postgres://… selects PostgreSQL; empty selects the SQLite file. */
  databaseUrl: string;
  sqlitePath: string;
}

/**
 * Where a member of a local network (`npm start`, the tests) keeps its data:
 * `<baseUrl's database>_<member>` on the PostgreSQL server of `baseUrl`, or,
 * when `baseUrl` is empty, the SQLite file `<dataDir>/members/<member>/baton.sqlite`.
 */
export function memberDatabaseOptions(dataDir: string, baseUrl: string, member: string): DatabaseOptions {
  return {
    databaseUrl: baseUrl ? memberDatabaseUrl(baseUrl, member) : '',
    sqlitePath: join(dataDir, 'members', member, 'baton.sqlite'),
  };
}

export function createDataSource(options: DatabaseOptions): DataSource {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (isPostgresUrl(options.databaseUrl)) {
    // pg returns COUNT(*) and other bigints as strings; our integer columns are
    // int4 and come back as numbers. Every transaction is SERIALIZABLE (see
    // inTransaction), as every SQLite transaction is by its single writer.
    return new DataSource({ type: 'postgres', url: options.databaseUrl, ...common, extra: { max: 10 } });
  }
  if (options.databaseUrl) throw new Error(`DATABASE_URL must be a postgres:// URL, got "${options.databaseUrl}"`);
  const file = resolve(options.sqlitePath);
  mkdirSync(dirname(file), { recursive: true });
  // The gateway and the worker of a member share the file: WAL lets readers
  // run beside the writer. Writers queue in inTransaction and writeOnce; the
  // busy timeout is left for what runs outside them (migrations, a read
  // meeting a WAL recovery).
  // synchronous=NORMAL in WAL mode loses nothing when a process is killed,
  // only on a power cut, and spares an fsync per commit.
  return new DataSource({
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    timeout: SQLITE_LOCK_WAIT_MS,
    // Prepared statements kept per connection. TypeORM's default of 100 was
    // churned under load by IN lists and multi-row inserts of every length,
    // so even the hottest statements were prepared again on most runs.
    statementCacheSize: 1_000,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
    ...common,
  });
}

export async function openDatabase(options: DatabaseOptions, migrate: boolean): Promise<DataSource> {
  const ds = createDataSource(options);
  await ds.initialize();
  if (ds.options.type === 'postgres') catchCheckedOutClientErrors(ds);
  if (migrate) await ds.runMigrations({ transaction: 'all' });
  else if (await ds.showMigrations())
    throw new Error('the database has pending migrations: run them first (DB_MIGRATE=true)');
  return ds;
}

/**
 * A PostgreSQL connection the server ends (restart, failover,
 * pg_terminate_backend) while the code holds it between two queries emits
 * 'error' with nobody listening: pg-pool listens only while a client is idle,
 * TypeORM not at all, and the process died of it (seen when the faults test
 * cut a member's connections). A listener on every client taken from the pool
 * keeps the process up; the holder learns of it on its next query ("not
 * queryable"), which fails and is reported there, and pg-pool discards the
 * client when it comes back.
 */
function catchCheckedOutClientErrors(ds: DataSource): void {
  const pool = (ds.driver as unknown as { master?: EventEmitter }).master;
  const equipped = new WeakSet<EventEmitter>();
  pool?.on('acquire', (client: EventEmitter) => {
    if (equipped.has(client)) return;
    equipped.add(client);
    client.on('error', () => undefined);
  });
}

/**
 * Errors after which a transaction is run again: SQLite busy (another process
 * of the same member holds the write lock); PostgreSQL serialization failure
 * (40001) and deadlock (40P01), which SERIALIZABLE transactions report when a
 * concurrent one changed what they read.
 */
function retryable(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e.code ?? e.driverError?.code;
  return code === '40001' || code === '40P01' || /SQLITE_BUSY|database is locked/i.test(String((err as Error).message));
}

/**
 * Runs `work` in a transaction, retrying it when the database asks for that
 * (see retryable). Writers of one member database take turns, as SQLite makes
 * them: in this process through a queue, across the member's processes
 * through SQLite's lock or, on PostgreSQL, an advisory lock taken before the
 * transaction begins. Without that, PostgreSQL's SERIALIZABLE transactions
 * all updating the event counter fail each other under load (seen as message
 * intake timing out with 200 processes in flight). The transaction is still
 * SERIALIZABLE there, for writes made outside this function. `work` may run
 * more than once: it must only touch the database through its EntityManager,
 * and must not call inTransaction itself (it would wait for its own turn).
 */
export async function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const postgres = ds.options.type === 'postgres';
  for (let attempt = 1; ; attempt++) {
    try {
      return await oneAtATime(ds, () => (postgres ? serializedOnPostgres(ds, work) : lockedOnSqlite(ds, work)));
    } catch (err) {
      if (attempt >= 30 || !retryable(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.min(20 * attempt, 500) * (0.5 + Math.random())));
    }
  }
}

/**
 * One write that needs no transaction of its own (a single INSERT, UPDATE or
 * DELETE). On SQLite it goes through inTransaction: it waits for the write
 * lock with the event loop free, instead of in SQLite's busy handler, and it
 * never runs inside another transaction of this process on the one shared
 * connection. On PostgreSQL the driver already waits asynchronously and the
 * statement runs as it is, without the writers' turn.
 */
export function writeOnce<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return ds.options.type === 'postgres' ? work(ds.manager) : inTransaction(ds, work);
}

/** Longest pause between two tries for SQLite's write lock (lockedOnSqlite). */
const SQLITE_LOCK_RETRY_MAX_MS = 16;

class WriteLockBusy extends Error {}

/**
 * A SQLite transaction that takes the write lock before `work` runs, without
 * SQLite's busy handler: that handler sleeps inside the synchronous call, so
 * a worker waiting for its gateway's write (or the other way round) froze its
 * whole event loop, and every ledger read, WebSocket frame and timer behind
 * it, for 1 to 100 ms a time. The lock is tried with no busy timeout and, while
 * the other process holds it, tried again after 1, 2, 4 … 16 ms with the event
 * loop free, for up to SQLITE_LOCK_WAIT_MS in all.
 */
async function lockedOnSqlite<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let pause = 1; ; pause = Math.min(pause * 2, SQLITE_LOCK_RETRY_MAX_MS)) {
    try {
      return await ds.transaction(async (em) => {
        await takeWriteLock(em);
        return work(em);
      });
    } catch (err) {
      if (!(err instanceof WriteLockBusy)) throw err;
      if (Date.now() - started >= SQLITE_LOCK_WAIT_MS) throw err.cause;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** A write that changes nothing takes the write lock (SQLite takes it as a write statement starts). */
async function takeWriteLock(em: EntityManager): Promise<void> {
  await em.query('PRAGMA busy_timeout = 0');
  try {
    await em.query('UPDATE "counters" SET "value" = "value" WHERE 0');
  } catch (err) {
    if (retryable(err)) throw new WriteLockBusy('the write lock is taken', { cause: err });
    throw err;
  } finally {
    await em.query(`PRAGMA busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
  }
}

/** Advisory lock key of the member database's writers ("baton" in ASCII). */
const WRITERS_LOCK = 0x6261746f6e;

async function serializedOnPostgres<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  let unlocked = false;
  try {
    // Outside the transaction, so its snapshot is taken once the turn has come.
    await runner.query('SELECT pg_advisory_lock($1)', [WRITERS_LOCK]);
    try {
      await runner.startTransaction('SERIALIZABLE');
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      unlocked = await runner.query('SELECT pg_advisory_unlock($1)', [WRITERS_LOCK]).then(
        () => true,
        () => false,
      );
    }
  } finally {
    // A connection that may still hold the lock is closed, never pooled: closing it frees the lock.
    // (TypeORM's Postgres runner passes this error to pg-pool, which then discards the client.)
    const pooled = runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> };
    await pooled.releasePostgresConnection(unlocked ? undefined : new Error('writers lock not released'));
  }
}

/** The tail of each DataSource's queue of transactions. */
const writerQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Transactions of one process wait for each other here. better-sqlite3 is one
 * connection: a second transaction begun while one is open would fail
 * ("cannot start a transaction within a transaction"); on PostgreSQL it keeps
 * a process to one pooled connection waiting for the writers' lock.
 */
function oneAtATime<T>(ds: DataSource, run: () => Promise<T>): Promise<T> {
  const result = (writerQueues.get(ds) ?? Promise.resolve()).then(run, run);
  writerQueues.set(
    ds,
    result.catch(() => undefined),
  );
  return result;
}

export function nowIso(): string {
  return new Date().toISOString();
}
