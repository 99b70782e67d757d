/**
 * PostgreSQL databases by name: a member's database is derived from a base
 * DATABASE_URL (`…/baton` → `…/baton_buyer`), and created or dropped through
 * the server's `postgres` maintenance database.
 */
import pg from 'pg';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The database a postgres:// URL names ('baton' when it names none). */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'baton';
}

/** The same server and credentials, another database. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/**
 * A member's database on the server of `baseUrl`: `<database of baseUrl>_<member>`.
 * Several networks on one server stay apart by their base names
 * (`…/baton` gives `baton_buyer`, `…/baton_e2e` gives `baton_e2e_buyer`).
 */
export function memberDatabaseUrl(baseUrl: string, member: string): string {
  return withDatabaseName(baseUrl, `${databaseNameOf(baseUrl)}_${member}`);
}

/** Double-quoted identifier; database names are checked to be plain (letters, digits, _ and -). */
function identifier(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`unusable database name "${name}"`);
  return `"${name}"`;
}

async function withMaintenance<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabaseName(url, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the database `url` names unless it exists; true when it was created. */
export async function ensurePostgresDatabase(url: string): Promise<boolean> {
  const name = databaseNameOf(url);
  return withMaintenance(url, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${identifier(name)}`);
    } catch (err) {
      // 42P04 duplicate_database, 23505: another process created it meanwhile.
      if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
      return false;
    }
    return true;
  });
}

/** Drops the database `url` names (closing its connections) if it exists. */
export async function dropPostgresDatabase(url: string): Promise<void> {
  const name = databaseNameOf(url);
  await withMaintenance(url, (client) => client.query(`DROP DATABASE IF EXISTS ${identifier(name)} WITH (FORCE)`));
}
