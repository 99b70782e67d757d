import { HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import type { MemberConfig } from '../../shared/config.js';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { BlobRecord } from '../../shared/db/data-entities.js';
import { sanitiseContentType, sanitiseName } from '../../shared/exchange/blob-names.js';
import {
  BLOB_ID_HEADER,
  BLOB_NAME_HEADER,
  BLOB_TYPE_HEADER,
  blobSigningText,
  type BlobMeta,
} from '../../shared/exchange/blob-signing.js';
import { BLOB_HASH, hashBlob, writeBlob } from '../../shared/exchange/blob-store.js';
import type { MemberSignature } from '../../shared/exchange/signing.js';
import { ApiError } from '../common/api-error.js';

export interface SignedBlobRequest extends MemberSignature {
  request: Request;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Takes a blob pushed by another member. The signature (checked before the
 * body is read) must be the registered key of a member; the bytes must hash
 * to the hash they were signed under. Only registered members can push, and
 * blobs are never served back to members, only to this member's apps.
 * Storing the same blob again changes nothing.
 */
export async function receiveBlob(
  ds: DataSource,
  config: MemberConfig,
  hash: string,
  req: SignedBlobRequest,
  authenticate: (signedText: string) => Promise<string>,
): Promise<{ id: string; hash: string }> {
  const headers = req.request.headers;
  const header = (name: string) => (typeof headers[name] === 'string' ? headers[name] : '');
  let name: string;
  try {
    name = decodeURIComponent(header(BLOB_NAME_HEADER));
  } catch {
    throw ApiError.badRequest('malformed-blob', `${BLOB_NAME_HEADER} is not URI-encoded`);
  }
  const meta: BlobMeta = {
    id: header(BLOB_ID_HEADER),
    hash,
    size: Number(header('content-length')),
    contentType: header(BLOB_TYPE_HEADER),
    name,
  };
  if (!BLOB_HASH.test(hash))
    throw ApiError.badRequest('malformed-blob', 'the hash must be 0x + 64 lowercase hex digits');
  if (!UUID.test(meta.id)) throw ApiError.badRequest('malformed-blob', `${BLOB_ID_HEADER} must be a uuid`);
  if (!Number.isSafeInteger(meta.size) || meta.size < 0)
    throw ApiError.badRequest('malformed-blob', 'a blob push needs its content-length');
  const sender = await authenticate(blobSigningText(meta));
  if (meta.size > config.maxBlobBytes)
    throw new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'blob-too-large', 'the blob is larger than MAX_BLOB_BYTES allows');
  const bytes = await readBody(req.request, config.maxBlobBytes);
  if (bytes.length !== meta.size)
    throw ApiError.badRequest('blob-size-mismatch', 'the body is not content-length long');
  if (hashBlob(bytes) !== hash) throw ApiError.badRequest('blob-hash-mismatch', `the bytes do not hash to ${hash}`);

  const repo = ds.getRepository(BlobRecord);
  const existing = await repo.findOneBy({ id: meta.id });
  if (existing && existing.hash !== hash)
    throw new ApiError(HttpStatus.CONFLICT, 'blob-id-conflict', `blob ${meta.id} is here with another hash`);
  await writeBlob(config.blobDir, bytes);
  if (!existing)
    await writeOnce(ds, (em) =>
      em
        .getRepository(BlobRecord)
        .createQueryBuilder()
        .insert()
        .values({
          id: meta.id,
          hash,
          size: meta.size,
          contentType: sanitiseContentType(meta.contentType),
          name: sanitiseName(meta.name),
          author: sender,
          processId: null,
          createdAt: nowIso(),
        })
        .orIgnore()
        .execute(),
    );
  return { id: meta.id, hash };
}

async function readBody(request: Request, limit: number): Promise<Buffer> {
  // A body parser may have taken the body already (it would only for a JSON or form type).
  if (Buffer.isBuffer(request.body)) return request.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'blob-too-large',
        'the blob is larger than MAX_BLOB_BYTES allows',
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
