/**
 * A member's own database. Column types are the portable subset that TypeORM
 * maps alike on SQLite and PostgreSQL; times are ISO-8601 strings.
 */
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { DATA_ENTITIES } from './data-entities.js';
import type { PinState } from './pin-store.js';
import { SUBSCRIPTION_ENTITIES } from './subscription-entities.js';

/** The member's view of one process, written by its process workflow. */
@Entity('processes')
export class ProcessRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Index() @Column({ type: 'varchar', length: 100 }) type!: string;
  @Index() @Column({ type: 'varchar', length: 20 }) status!: string;
  @Column({ type: 'varchar', length: 100 }) initiator!: string;
  @Column({ type: 'simple-json' }) participants!: Record<string, string>;
  @Column({ type: 'simple-json' }) input!: unknown;
  @Column({ type: 'simple-json' }) steps!: unknown[];
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) rejectedBy!: string | null;
  @Column({ type: 'integer', nullable: true }) startPin!: number | null;
  /** Cancel requests as the ledger decided them, in ledger order. */
  @Column({ type: 'simple-json', default: '[]' }) cancellations!: unknown[];
  /** The step whose compensation failed, while the process is failed. */
  @Column({ type: 'varchar', length: 100, nullable: true }) failedStep!: string | null;
  @Column({ type: 'integer' }) appliedIndex!: number;
  @Column({ type: 'varchar', length: 300 }) workflowId!: string;
  @Index() @Column({ type: 'varchar', length: 30 }) createdAt!: string;
  @Column({ type: 'varchar', length: 30 }) updatedAt!: string;
}

/** The append-only event log; `sequence` is local and gap-free. */
@Entity('events')
export class EventRecord {
  @PrimaryColumn({ type: 'integer' }) sequence!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 36 }) id!: string;
  /** Producer's idempotency key: the same event is never appended twice. */
  @Index({ unique: true }) @Column({ type: 'varchar', length: 300 }) key!: string;
  @Column({ type: 'varchar', length: 50 }) type!: string;
  @Index() @Column({ type: 'varchar', length: 64, nullable: true }) processId!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) processType!: string | null;
  @Column({ type: 'varchar', length: 200 }) topic!: string;
  /** The member (or account) behind the event: `data.author` unless the producer says otherwise. */
  @Index() @Column({ type: 'varchar', length: 100, nullable: true }) author!: string | null;
  @Column({ type: 'varchar', length: 300, nullable: true }) correlator!: string | null;
  @Column({ type: 'simple-json', nullable: true }) data!: Record<string, unknown> | null;
  @Column({ type: 'varchar', length: 30 }) created!: string;
}

/** Named counters incremented inside transactions (gap-free sequences on any database). */
@Entity('counters')
export class CounterRecord {
  @PrimaryColumn({ type: 'varchar', length: 50 }) name!: string;
  @Column({ type: 'integer' }) value!: number;
}

/** A message of a process this member takes part in, stored under its keccak256 hash. */
@Entity('private_messages')
export class PrivateMessageRecord {
  @PrimaryColumn({ type: 'varchar', length: 66 }) hash!: string;
  @Index() @Column({ type: 'varchar', length: 300 }) messageId!: string;
  @Index() @Column({ type: 'varchar', length: 64 }) processId!: string;
  @Index() @Column({ type: 'varchar', length: 66 }) context!: string;
  @Column({ type: 'varchar', length: 30 }) kind!: string;
  @Column({ type: 'varchar', length: 100 }) author!: string;
  /** The exact bytes that were hashed (canonical JSON). */
  @Column({ type: 'text' }) body!: string;
  @Column({ type: 'varchar', length: 100 }) receivedFrom!: string;
  @Column({ type: 'varchar', length: 30 }) receivedAt!: string;
}

/** Every pin read from the Sequencer, in chain order, whether or not this member takes part. */
@Entity('ledger_pins')
@Index(['context', 'contextIndex'], { unique: true })
@Index(['state', 'hash'])
@Index(['context', 'state'])
export class LedgerPinRecord {
  @PrimaryColumn({ type: 'integer' }) pin!: number;
  @Column({ type: 'integer' }) batch!: number;
  @Column({ type: 'integer' }) indexInBatch!: number;
  @Column({ type: 'varchar', length: 66 }) context!: string;
  @Column({ type: 'varchar', length: 66 }) hash!: string;
  @Column({ type: 'varchar', length: 42 }) author!: string;
  @Column({ type: 'integer' }) blockNumber!: number;
  @Column({ type: 'integer' }) logIndex!: number;
  @Column({ type: 'varchar', length: 66 }) transactionHash!: string;
  /** 1-based, gap-free position among the pins of the same context. */
  @Column({ type: 'integer' }) contextIndex!: number;
  /** Where it stands in the ledger pipeline (pin-store.ts). */
  @Column({ type: 'varchar', length: 12 }) state!: PinState;
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ type: 'varchar', length: 30 }) recordedAt!: string;
}

/** How many pins each context has had, to number the next one. */
@Entity('ledger_contexts')
export class LedgerContextRecord {
  @PrimaryColumn({ type: 'varchar', length: 66 }) context!: string;
  @Column({ type: 'integer' }) pinCount!: number;
}

/** Where the ledger listener resumes reading the chain. */
@Entity('ledger_cursor')
export class LedgerCursorRecord {
  @PrimaryColumn({ type: 'varchar', length: 50 }) name!: string;
  @Column({ type: 'integer' }) nextBlock!: number;
}

/** This member's messages on their way out: to its peers (sending), then to the Sequencer (queued), oldest first. */
@Entity('outbound_pins')
export class OutboundPinRecord {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 66 }) hash!: string;
  @Column({ type: 'varchar', length: 66 }) context!: string;
  @Column({ type: 'varchar', length: 300 }) messageId!: string;
  /** sending (to `peers`), queued (for a pin), or pinned once its batch transaction is mined. */
  @Index() @Column({ type: 'varchar', length: 12 }) state!: string;
  /** JSON array of the members the message goes to before its pin; null for rows from before migration 0006. */
  @Column({ type: 'text', nullable: true }) peers!: string | null;
  @Column({ type: 'varchar', length: 66, nullable: true }) transactionHash!: string | null;
  @Column({ type: 'integer', nullable: true }) batch!: number | null;
  @Column({ type: 'varchar', length: 30 }) queuedAt!: string;
}

/** What this member's own activities did, once each: the demo's "own systems". */
@Entity('effects')
@Index(['processId', 'step', 'kind'], { unique: true })
export class EffectRecord {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'varchar', length: 64 }) processId!: string;
  @Column({ type: 'varchar', length: 100 }) step!: string;
  /** action or compensation */
  @Column({ type: 'varchar', length: 20 }) kind!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'varchar', length: 30 }) recordedAt!: string;
}

/** An Idempotency-Key of POST /processes and the process it started; the key is the primary key. */
@Entity('idempotency_keys')
export class IdempotencyKeyRecord {
  @PrimaryColumn({ type: 'varchar', length: 200 }) key!: string;
  @Column({ type: 'varchar', length: 64 }) processId!: string;
  /** keccak256 of the canonical JSON body: the same key with another body is refused. */
  @Column({ type: 'varchar', length: 66 }) requestHash!: string;
  @Column({ type: 'varchar', length: 30 }) createdAt!: string;
}

export const ENTITIES = [
  ProcessRecord,
  IdempotencyKeyRecord,
  EventRecord,
  CounterRecord,
  PrivateMessageRecord,
  LedgerPinRecord,
  LedgerContextRecord,
  LedgerCursorRecord,
  OutboundPinRecord,
  EffectRecord,
  ...DATA_ENTITIES,
  ...SUBSCRIPTION_ENTITIES,
];
