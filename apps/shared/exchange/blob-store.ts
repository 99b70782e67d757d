import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Blobs are stored content-addressed: the file name is the blob's hash, never
 * a name a user chose, so no request can reach outside the blob folder. The
 * hash is `0x` + sha256 of the bytes (sha256 rather than keccak256 because
 * Node can compute it while a large upload streams in).
 */
export const BLOB_HASH = /^0x[0-9a-f]{64}$/;

/** How a message refers to a blob: `{ "blob": { "id": "...", "hash": "0x..." } }`. */
export interface BlobRef {
  id: string;
  hash: string;
}

export function hashBlob(bytes: Uint8Array): string {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blobPath(dir: string, hash: string): string {
  if (!BLOB_HASH.test(hash)) throw new Error(`not a blob hash: ${hash}`);
  return join(dir, hash.slice(2));
}

/** A fresh file name in the blob folder for bytes still arriving. */
export async function incomingPath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return join(dir, `.incoming-${randomUUID()}`);
}

/** Moves a fully written file to its hash; if the blob is already there, the copy goes. */
export async function commitIncoming(dir: string, incoming: string, hash: string): Promise<void> {
  const target = blobPath(dir, hash);
  if (await exists(target)) await rm(incoming, { force: true });
  else await rename(incoming, target);
}

/** Stores bytes under their hash; storing the same bytes again changes nothing. */
export async function writeBlob(dir: string, bytes: Uint8Array): Promise<{ hash: string; size: number }> {
  const hash = hashBlob(bytes);
  if (!(await exists(blobPath(dir, hash)))) {
    const incoming = await incomingPath(dir);
    await writeFile(incoming, bytes);
    await commitIncoming(dir, incoming, hash);
  }
  return { hash, size: bytes.length };
}

export function readBlob(dir: string, hash: string): Promise<Buffer> {
  return readFile(blobPath(dir, hash));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Every blob reference anywhere in a value (a message, a step output), each once. */
export function findBlobRefs(value: unknown): BlobRef[] {
  const found = new Map<string, BlobRef>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const ref = (v as { blob?: unknown }).blob as Partial<BlobRef> | undefined;
      if (ref && typeof ref.id === 'string' && typeof ref.hash === 'string' && BLOB_HASH.test(ref.hash))
        found.set(`${ref.id}/${ref.hash}`, { id: ref.id, hash: ref.hash });
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return [...found.values()];
}
