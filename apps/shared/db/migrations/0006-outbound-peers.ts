import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The members a queued message still has to reach before its pin is sent
 * (state `sending`): delivery to peers moved out of the publishing activity
 * into the worker's message sender. Rows from before have none (they are
 * `queued` or `pinned` already).
 */
export class OutboundPeers1764100000006 implements MigrationInterface {
  name = 'OutboundPeers1764100000006';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('outbound_pins', new TableColumn({ name: 'peers', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('outbound_pins', 'peers');
  }
}
