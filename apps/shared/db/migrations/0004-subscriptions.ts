import {
  Table,
  TableColumn,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';

const text = (name: string, length: number, nullable = false): TableColumnOptions =>
  length > 0
    ? { name, type: 'varchar', length: String(length), isNullable: nullable }
    : { name, type: 'text', isNullable: nullable };
const int = (name: string): TableColumnOptions => ({ name, type: 'integer' });
const key = (column: TableColumnOptions): TableColumnOptions => ({ ...column, isPrimary: true });

/**
 * Durable subscriptions (apps/shared/db/subscription-entities.ts) and the
 * events' `author`, which subscription filters and the events API match on.
 */
export class Subscriptions1764100000004 implements MigrationInterface {
  name = 'Subscriptions1764100000004';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('events', new TableColumn(text('author', 100, true)));
    await q.createIndex('events', new TableIndex({ columnNames: ['author'] }));
    // Events written before: the author sat only inside `data`.
    const rows = (await q.query(`SELECT sequence, data FROM events WHERE data LIKE '%"author"%'`)) as {
      sequence: number;
      data: string;
    }[];
    for (const row of rows) {
      const author = (JSON.parse(row.data) as { author?: unknown }).author;
      if (typeof author === 'string')
        await q.query(
          `UPDATE events SET author = $1 WHERE sequence = $2`.replace(/\$\d/g, (p) => placeholder(q, p)),
          [author, row.sequence],
        );
    }
    await q.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          key(text('id', 36)),
          text('namespace', 64),
          text('name', 64),
          text('transport', 20),
          text('filter', 0),
          text('options', 0),
          text('secret', 100, true),
          int('offset'),
          text('created', 30),
          text('updated', 30),
        ],
        indices: [new TableIndex({ columnNames: ['namespace', 'name'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'subscription_deliveries',
        columns: [
          key(text('subscriptionId', 36)),
          key(int('sequence')),
          text('eventId', 36),
          text('state', 12),
          int('attempts'),
          text('nextAttempt', 30),
          text('lastError', 0, true),
          text('updated', 30),
        ],
        indices: [new TableIndex({ columnNames: ['state'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('subscription_deliveries');
    await q.dropTable('subscriptions');
    const index = (await q.getTable('events'))?.indices.find((i) => i.columnNames.includes('author'));
    if (index) await q.dropIndex('events', index);
    await q.dropColumn('events', 'author');
  }
}

/** PostgreSQL numbers its parameters ($1); SQLite takes `?`. */
function placeholder(q: QueryRunner, p: string): string {
  return q.connection.options.type === 'postgres' ? p : '?';
}
