import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Pins by context and state: "does this context still have a pending pin?"
 * (the dispatcher asks it of every projected context) went through the
 * (state, hash) index and read every pending pin, so a member rebuilding
 * thousands of pins spent most of its time there.
 */
export class PinContextState1764100000005 implements MigrationInterface {
  name = 'PinContextState1764100000005';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('ledger_pins', new TableIndex({ columnNames: ['context', 'state'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    const table = await q.getTable('ledger_pins');
    const index = table?.indices.find((i) => i.columnNames.join() === 'context,state');
    if (index) await q.dropIndex('ledger_pins', index);
  }
}
