import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The app that created a durable subscription: with read scope alone, only
 * it may attach to the subscription and ack or nack its deliveries.
 * Subscriptions from before have none, and need write scope.
 */
export class SubscriptionOwner1764100000008 implements MigrationInterface {
  name = 'SubscriptionOwner1764100000008';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'subscriptions',
      new TableColumn({ name: 'owner', type: 'varchar', length: '100', isNullable: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('subscriptions', 'owner');
  }
}
