import { canonicalJson } from './canonical.js';

/** Path on every gateway where other members push blobs: `${BLOBS_PATH}/{hash}`. */
export const BLOBS_PATH = '/api/v1/network/blobs';

/** Headers carrying a pushed blob's metadata (the body is the raw bytes). */
export const BLOB_ID_HEADER = 'x-baton-blob-id';
export const BLOB_TYPE_HEADER = 'x-baton-blob-type';
/** URI-encoded, as header values are ASCII. */
export const BLOB_NAME_HEADER = 'x-baton-blob-name';

export interface BlobMeta {
  id: string;
  hash: string;
  size: number;
  contentType: string;
  name: string;
}

/**
 * What a blob push is signed over (with the usual timestamp, see signing.ts):
 * the metadata, hash and length, not the bytes. The receiver recomputes the
 * hash of the bytes it got and refuses them unless it matches, so the
 * signature still covers the content, and the sender need not hash large
 * bodies twice. The receiver can also check the signature before reading the body.
 */
export function blobSigningText(meta: BlobMeta): string {
  return `baton-blob\n${canonicalJson(meta)}`;
}
