import type { DataSource } from 'typeorm';
import { BlobRecord } from '../db/data-entities.js';
import type { BlobMeta } from './blob-signing.js';
import { findBlobRefs, readBlob } from './blob-store.js';

export interface BlobSender {
  sendBlob(to: string, meta: BlobMeta, bytes: Uint8Array): Promise<void>;
}

/**
 * Pushes every blob `message` refers to (`{ blob: { id, hash } }`) to every
 * peer, so the blobs are there before the message whose pinned hash covers
 * their hashes. A reference to a blob this member does not hold under that
 * id and hash is not pushed: peers then answer 404 for it, and the pinned
 * hash still tells them which bytes were meant.
 */
export async function pushReferencedBlobs(
  ds: DataSource,
  /** Called only when the message refers to a blob. */
  blobDir: () => string,
  sender: BlobSender,
  message: unknown,
  peers: string[],
): Promise<void> {
  const refs = peers.length > 0 ? findBlobRefs(message) : [];
  for (const ref of refs) {
    const record = await ds.getRepository(BlobRecord).findOneBy({ id: ref.id, hash: ref.hash });
    if (!record) continue;
    const bytes = await readBlob(blobDir(), record.hash);
    const { id, hash, size, contentType, name } = record;
    const meta: BlobMeta = { id, hash, size, contentType, name };
    await Promise.all(peers.map((peer) => sender.sendBlob(peer, meta, bytes)));
  }
}
