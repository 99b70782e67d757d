import { describe, expect, it } from 'vitest';
import { memberDatabaseOptions } from './data-source.js';
import { databaseNameOf, isPostgresUrl, memberDatabaseUrl, withDatabaseName } from './postgres.js';

describe('PostgreSQL database names', () => {
  it("derives a member's database from the database DATABASE_URL names", () => {
    expect(memberDatabaseUrl('postgres://u:p@127.0.0.1:5432/baton', 'buyer')).toBe(
      'postgres://u:p@127.0.0.1:5432/baton_buyer',
    );
    expect(memberDatabaseUrl('postgresql://u:p@db/baton_e2e?sslmode=disable', 'bank')).toBe(
      'postgresql://u:p@db/baton_e2e_bank?sslmode=disable',
    );
    expect(memberDatabaseUrl('postgres://u:p@db', 'seller')).toBe('postgres://u:p@db/baton_seller');
  });

  it('keeps server and credentials when it swaps the database', () => {
    const url = withDatabaseName('postgres://user:s%40cret@host:6543/baton', 'postgres');
    expect(url).toBe('postgres://user:s%40cret@host:6543/postgres');
    expect(databaseNameOf(url)).toBe('postgres');
  });

  it('uses SQLite files under the data folder when there is no URL', () => {
    expect(isPostgresUrl('')).toBe(false);
    expect(memberDatabaseOptions('/data', '', 'buyer')).toEqual({
      databaseUrl: '',
      sqlitePath: '/data/members/buyer/baton.sqlite',
    });
    expect(memberDatabaseOptions('/data', 'postgres://u:p@h/x', 'buyer').databaseUrl).toBe('postgres://u:p@h/x_buyer');
  });
});
