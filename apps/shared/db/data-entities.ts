/** Blobs and unpinned private notes: data members exchange without the ledger ordering it. */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A blob this member holds; the bytes are a file named by `hash` in BLOB_DIR. */
@Entity('blobs')
export class BlobRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** `0x` + sha256 of the bytes. Several rows may share one file. */
  @Index() @Column({ type: 'varchar', length: 66 }) hash!: string;
  @Column({ type: 'integer' }) size!: number;
  @Column({ type: 'varchar', length: 200 }) contentType!: string;
  /** Display name only (sanitised); never used as a file name. */
  @Column({ type: 'varchar', length: 200 }) name!: string;
  /** The member that uploaded it (this member, or the peer that pushed it). */
  @Column({ type: 'varchar', length: 100 }) author!: string;
  @Index() @Column({ type: 'varchar', length: 64, nullable: true }) processId!: string | null;
  @Column({ type: 'varchar', length: 30 }) createdAt!: string;
}

/** A private message sent member to member, neither pinned nor ordered by the ledger. */
@Entity('private_notes')
export class PrivateNoteRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index() @Column({ type: 'varchar', length: 64 }) processId!: string;
  @Column({ type: 'varchar', length: 100 }) author!: string;
  @Column({ type: 'simple-json' }) recipients!: string[];
  @Column({ type: 'simple-json' }) data!: unknown;
  @Index() @Column({ type: 'varchar', length: 30 }) createdAt!: string;
}

export const DATA_ENTITIES = [BlobRecord, PrivateNoteRecord];
