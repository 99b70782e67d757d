import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const text = (name: string, length: number, nullable = false): TableColumnOptions =>
  length > 0
    ? { name, type: 'varchar', length: String(length), isNullable: nullable }
    : { name, type: 'text', isNullable: nullable };
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const key = (column: TableColumnOptions): TableColumnOptions => ({ ...column, isPrimary: true });
const serial = (name: string): TableColumnOptions => ({
  name,
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
});

/** Written with TypeORM's schema builder so one migration serves SQLite and PostgreSQL. */
export class InitialSchema1764100000001 implements MigrationInterface {
  name = 'InitialSchema1764100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'processes',
        columns: [
          key(text('id', 64)),
          text('type', 100),
          text('status', 20),
          text('initiator', 100),
          text('participants', 0),
          text('input', 0),
          text('steps', 0),
          text('reason', 0, true),
          text('rejectedBy', 100, true),
          int('startPin', true),
          int('appliedIndex'),
          text('workflowId', 300),
          text('createdAt', 30),
          text('updatedAt', 30),
        ],
        indices: ['type', 'status', 'createdAt'].map((c) => new TableIndex({ columnNames: [c] })),
      }),
    );
    await q.createTable(
      new Table({
        name: 'events',
        columns: [
          key(int('sequence')),
          text('id', 36),
          text('key', 300),
          text('type', 50),
          text('processId', 64, true),
          text('processType', 100, true),
          text('topic', 200),
          text('correlator', 300, true),
          text('data', 0, true),
          text('created', 30),
        ],
        indices: [
          new TableIndex({ columnNames: ['id'], isUnique: true }),
          new TableIndex({ columnNames: ['key'], isUnique: true }),
          new TableIndex({ columnNames: ['processId'] }),
        ],
      }),
    );
    await q.createTable(new Table({ name: 'counters', columns: [key(text('name', 50)), int('value')] }));
    await q.query(`INSERT INTO counters (name, value) VALUES ('events', 0)`);
    await q.createTable(
      new Table({
        name: 'private_messages',
        columns: [
          key(text('hash', 66)),
          text('messageId', 300),
          text('processId', 64),
          text('context', 66),
          text('kind', 30),
          text('author', 100),
          text('body', 0),
          text('receivedFrom', 100),
          text('receivedAt', 30),
        ],
        indices: ['processId', 'context'].map((c) => new TableIndex({ columnNames: [c] })),
      }),
    );
    await q.createTable(
      new Table({
        name: 'ledger_pins',
        columns: [
          key(int('pin')),
          int('batch'),
          int('indexInBatch'),
          text('context', 66),
          text('hash', 66),
          text('author', 42),
          int('blockNumber'),
          int('logIndex'),
          text('transactionHash', 66),
          int('contextIndex'),
          text('state', 12),
          text('note', 0, true),
          text('recordedAt', 30),
        ],
        indices: [
          new TableIndex({ columnNames: ['context', 'contextIndex'], isUnique: true }),
          new TableIndex({ columnNames: ['state', 'hash'] }),
        ],
      }),
    );
    await q.createTable(new Table({ name: 'ledger_contexts', columns: [key(text('context', 66)), int('pinCount')] }));
    await q.createTable(new Table({ name: 'ledger_cursor', columns: [key(text('name', 50)), int('nextBlock')] }));
    await q.createTable(
      new Table({
        name: 'outbound_pins',
        columns: [
          serial('id'),
          text('hash', 66),
          text('context', 66),
          text('messageId', 300),
          text('state', 12),
          text('transactionHash', 66, true),
          int('batch', true),
          text('queuedAt', 30),
        ],
        indices: [
          new TableIndex({ columnNames: ['hash'], isUnique: true }),
          new TableIndex({ columnNames: ['state'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'effects',
        columns: [
          serial('id'),
          text('processId', 64),
          text('step', 100),
          text('kind', 20),
          text('description', 0),
          text('recordedAt', 30),
        ],
        indices: [new TableIndex({ columnNames: ['processId', 'step', 'kind'], isUnique: true })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'effects',
      'outbound_pins',
      'ledger_cursor',
      'ledger_contexts',
      'ledger_pins',
      'private_messages',
      'counters',
      'events',
      'processes',
    ])
      await q.dropTable(table);
  }
}
