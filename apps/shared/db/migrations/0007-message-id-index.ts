import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Messages by id: a gateway looks up every message a peer sends by its id
 * (another version of it may already be pinned), and without an index that
 * read the whole table, bodies and all, so each intake slowed with the
 * member's history.
 */
export class MessageIdIndex1764100000007 implements MigrationInterface {
  name = 'MessageIdIndex1764100000007';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('private_messages', new TableIndex({ columnNames: ['messageId'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    const table = await q.getTable('private_messages');
    const index = table?.indices.find((i) => i.columnNames.join() === 'messageId');
    if (index) await q.dropIndex('private_messages', index);
  }
}
