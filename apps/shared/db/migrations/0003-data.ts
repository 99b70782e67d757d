import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const text = (name: string, length: number, nullable = false): TableColumnOptions =>
  length > 0
    ? { name, type: 'varchar', length: String(length), isNullable: nullable }
    : { name, type: 'text', isNullable: nullable };
const key = (column: TableColumnOptions): TableColumnOptions => ({ ...column, isPrimary: true });

/** Blobs and unpinned private notes (apps/shared/db/data-entities.ts); schema builder only, for SQLite and PostgreSQL. */
export class Data1764100000003 implements MigrationInterface {
  name = 'Data1764100000003';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'blobs',
        columns: [
          key(text('id', 36)),
          text('hash', 66),
          { name: 'size', type: 'integer' },
          text('contentType', 200),
          text('name', 200),
          text('author', 100),
          text('processId', 64, true),
          text('createdAt', 30),
        ],
        indices: ['hash', 'processId'].map((c) => new TableIndex({ columnNames: [c] })),
      }),
    );
    await q.createTable(
      new Table({
        name: 'private_notes',
        columns: [
          key(text('id', 36)),
          text('processId', 64),
          text('author', 100),
          text('recipients', 0),
          text('data', 0),
          text('createdAt', 30),
        ],
        indices: ['processId', 'createdAt'].map((c) => new TableIndex({ columnNames: [c] })),
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('private_notes');
    await q.dropTable('blobs');
  }
}
