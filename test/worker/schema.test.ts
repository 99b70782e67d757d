import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../contracts/chain-helpers.js';
import { openFreshTestDatabase } from '../support/member-database.js';

// The numbered migrations are what builds a member's database; the entities
// are what the code reads it through. An index declared on one side only is
// an index production never gets.
describe('the schema the migrations build', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = await openFreshTestDatabase('baton_infra_schema', await tempDir('schema'));
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('is the schema the entities describe: nothing left to add or change', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('finds messages by id through an index (each message a peer sends is looked up by it)', async () => {
    const runner = ds.createQueryRunner();
    try {
      const table = await runner.getTable('private_messages');
      expect(table?.indices.map((i) => i.columnNames.join())).toContain('messageId');
    } finally {
      await runner.release();
    }
  });
});
