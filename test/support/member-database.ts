/**
 * A member's own database, for tests that reach into it, on whichever engine
 * the run uses: SQLite files by default, PostgreSQL when DATABASE_URL is a
 * postgres:// URL (`npm test`'s second pass sets it from BATON_TEST_DATABASE_URL).
 *
 * A test network is named by its data folder (SQLite) and its base database
 * URL (PostgreSQL; '' on SQLite runs): member databases are
 * `<base database>_<member>`, as the launcher derives them
 * (memberDatabaseOptions in apps/shared/db/data-source.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { memberDatabaseOptions, openDatabase, type DatabaseOptions } from '../../apps/shared/db/data-source.js';
import {
  dropPostgresDatabase,
  ensurePostgresDatabase,
  isPostgresUrl,
  withDatabaseName,
} from '../../apps/shared/db/postgres.js';

export interface TestNetworkDatabase {
  /** The network's data folder (BATON_DATA_DIR); SQLite files live under it. */
  dataDir: string;
  /** Base postgres:// URL of the network's member databases; '' on SQLite runs. */
  databaseUrl: string;
}

/** True when this run uses PostgreSQL. */
export function onPostgres(): boolean {
  return isPostgresUrl(process.env.DATABASE_URL ?? '');
}

/**
 * The base URL a test network should use: DATABASE_URL's server with the
 * database `name` (e.g. `baton_e2e` gives `baton_e2e_buyer`…), or '' on SQLite runs.
 * Distinct names keep networks that run at the same time apart.
 */
export function networkDatabaseUrl(name: string): string {
  return onPostgres() ? withDatabaseName(process.env.DATABASE_URL!, name) : '';
}

export function memberDatabase(network: TestNetworkDatabase, member: string): DatabaseOptions {
  return memberDatabaseOptions(network.dataDir, network.databaseUrl, member);
}

/**
 * Opens a member's database beside its running node (without migrating:
 * the launcher did that). Close it with `destroy()`.
 */
export async function openMemberDatabase(
  network: TestNetworkDatabase,
  member: string,
  migrate = false,
): Promise<DataSource> {
  const options = memberDatabase(network, member);
  if (migrate && options.databaseUrl) await ensurePostgresDatabase(options.databaseUrl);
  return openDatabase(options, migrate);
}

/**
 * Empties a member's database completely: the SQLite file (and its WAL) is
 * deleted, the PostgreSQL database dropped, closing its connections. The
 * launcher (or openMemberDatabase with migrate) creates it again, empty.
 * Stop the member's processes first: on SQLite a running node keeps the old file open.
 */
export async function wipeMemberDatabase(network: TestNetworkDatabase, member: string): Promise<void> {
  const { databaseUrl, sqlitePath } = memberDatabase(network, member);
  if (databaseUrl) await dropPostgresDatabase(databaseUrl);
  else for (const suffix of ['', '-wal', '-shm']) await rm(sqlitePath + suffix, { force: true });
}

/** Wipes every member's database: for a test network that must start fresh. */
export async function wipeNetworkDatabases(network: TestNetworkDatabase, members: readonly string[]): Promise<void> {
  for (const member of members) await wipeMemberDatabase(network, member);
}

/**
 * A fresh, empty database of its own for an infrastructure test: the
 * PostgreSQL database `name` on DATABASE_URL's server (dropped and created
 * again), or the SQLite file `<dir>/<name>.sqlite` (deleted).
 */
export async function freshTestDatabase(name: string, dir: string): Promise<DatabaseOptions> {
  const options: DatabaseOptions = { databaseUrl: networkDatabaseUrl(name), sqlitePath: join(dir, `${name}.sqlite`) };
  if (options.databaseUrl) {
    await dropPostgresDatabase(options.databaseUrl);
    await ensurePostgresDatabase(options.databaseUrl);
  } else for (const suffix of ['', '-wal', '-shm']) await rm(options.sqlitePath + suffix, { force: true });
  return options;
}

/** freshTestDatabase, opened and migrated. */
export async function openFreshTestDatabase(name: string, dir: string): Promise<DataSource> {
  return openDatabase(await freshTestDatabase(name, dir), true);
}
