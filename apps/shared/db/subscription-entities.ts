/** Durable subscriptions and the delivery state that must survive a gateway restart. */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A named, durable subscription of one namespace (FireFly's subscription shape). */
@Entity('subscriptions')
@Index(['namespace', 'name'], { unique: true })
export class SubscriptionRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 64 }) namespace!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  /** websockets or webhooks. */
  @Column({ type: 'varchar', length: 20 }) transport!: string;
  /** Regular expressions by field (events, topic, processType, reference, author). */
  @Column({ type: 'simple-json' }) filter!: Record<string, string>;
  @Column({ type: 'simple-json' }) options!: Record<string, unknown>;
  /** HMAC-SHA256 key of webhook signatures; null for WebSocket subscriptions. */
  @Column({ type: 'varchar', length: 100, nullable: true }) secret!: string | null;
  /**
   * The app that created it (its API key's name or its JWT's `sub`): it may
   * attach, ack and nack with read scope alone. Null when created with
   * APP_AUTH off, or before owners were recorded: then write scope only.
   */
  @Column({ type: 'varchar', length: 100, nullable: true }) owner!: string | null;
  /** Low watermark: every event up to this sequence is acked, dead-lettered or filtered out. */
  @Column({ type: 'integer' }) offset!: number;
  @Column({ type: 'varchar', length: 30 }) created!: string;
  @Column({ type: 'varchar', length: 30 }) updated!: string;
}

/**
 * An event of a subscription that was refused at least once: `retrying` until
 * its next attempt, `dead` after the last one. Rows exist only for failures, so
 * the delivery hot path never writes here.
 */
@Entity('subscription_deliveries')
export class SubscriptionDeliveryRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) subscriptionId!: string;
  @PrimaryColumn({ type: 'integer' }) sequence!: number;
  @Column({ type: 'varchar', length: 36 }) eventId!: string;
  @Index() @Column({ type: 'varchar', length: 12 }) state!: string;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ type: 'varchar', length: 30 }) nextAttempt!: string;
  @Column({ type: 'text', nullable: true }) lastError!: string | null;
  @Column({ type: 'varchar', length: 30 }) updated!: string;
}

export const SUBSCRIPTION_ENTITIES = [SubscriptionRecord, SubscriptionDeliveryRecord];
