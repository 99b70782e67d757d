import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Cancellations and failed compensations in the `processes` projection, and
 * the Idempotency-Key table of POST /processes. Schema builder only, so the
 * same migration serves SQLite and PostgreSQL.
 */
export class ProcessOutcomes1764100000002 implements MigrationInterface {
  name = 'ProcessOutcomes1764100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('processes', [
      new TableColumn({ name: 'cancellations', type: 'text', isNullable: false, default: "'[]'" }),
      new TableColumn({ name: 'failedStep', type: 'varchar', length: '100', isNullable: true }),
    ]);
    await q.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'processId', type: 'varchar', length: '64' },
          { name: 'requestHash', type: 'varchar', length: '66' },
          { name: 'createdAt', type: 'varchar', length: '30' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('idempotency_keys');
    await q.dropColumn('processes', 'failedStep');
    await q.dropColumn('processes', 'cancellations');
  }
}
