import { createReadStream } from 'node:fs';
import { HttpStatus, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { In, type DataSource } from 'typeorm';
import type { ProcessStartedMessage } from '../../../workflows/messages.js';
import type { MemberConfig } from '../../shared/config.js';
import { BlobRecord } from '../../shared/db/data-entities.js';
import { PrivateMessageRecord } from '../../shared/db/entities.js';
import { BLOB_ID_HEADER, BLOB_NAME_HEADER, BLOB_TYPE_HEADER } from '../../shared/exchange/blob-signing.js';
import { BLOB_HASH, blobPath, findBlobRefs } from '../../shared/exchange/blob-store.js';
import {
  BLOB_AUTHOR_HEADER,
  CONTEXT,
  MAX_CONTEXTS_PER_REQUEST,
  type BlobRequest,
  type DataAnswer,
} from '../../shared/exchange/data-requests.js';
import { ApiError } from '../common/api-error.js';

/**
 * Serves the private messages of the processes `requester` (already
 * authenticated) asks for by context. A request that names any process the
 * requester takes no part in is refused as a whole with 403
 * `not-a-participant`, listing those contexts, so the requester can ask
 * again without them; contexts this member does not know are listed as unknown.
 */
export async function serveData(ds: DataSource, requester: string, body: string): Promise<DataAnswer> {
  const contexts = parseContexts(body);
  const messages = ds.getRepository(PrivateMessageRecord);
  const starts = await messages.find({ where: { context: In(contexts), kind: 'process-started' } });
  const participants = new Map(
    starts.map((s) => [s.context, Object.values((JSON.parse(s.body) as ProcessStartedMessage).participants)]),
  );
  const refused = contexts.filter((c) => participants.has(c) && !participants.get(c)!.includes(requester));
  if (refused.length > 0)
    throw new ApiError(
      HttpStatus.FORBIDDEN,
      'not-a-participant',
      `member ${requester} takes no part in ${refused.length} of the processes asked for`,
      { refused },
    );
  const known = contexts.filter((c) => participants.has(c));
  const rows = known.length
    ? await messages.find({
        select: { context: true, processId: true, body: true, receivedAt: true },
        where: { context: In(known) },
        order: { receivedAt: 'ASC' },
      })
    : [];
  return {
    processes: known.map((context) => {
      const mine = rows.filter((r) => r.context === context);
      return { context, processId: mine[0]?.processId ?? '', messages: mine.map((r) => r.body) };
    }),
    unknown: contexts.filter((c) => !participants.has(c)),
  };
}

/** Serves a blob that a message of a process the requester takes part in refers to. */
export async function serveBlob(
  ds: DataSource,
  config: MemberConfig,
  requester: string,
  body: string,
  res: Response,
): Promise<StreamableFile> {
  const request = parseBlobRequest(body);
  const rows = await ds.getRepository(PrivateMessageRecord).find({ where: { context: request.context } });
  const start = rows.find((r) => r.kind === 'process-started');
  if (!start) throw ApiError.notFound('unknown-process', `no process with context ${request.context} is known here`);
  if (!Object.values((JSON.parse(start.body) as ProcessStartedMessage).participants).includes(requester))
    throw new ApiError(HttpStatus.FORBIDDEN, 'not-a-participant', `member ${requester} takes no part in that process`);
  const ref = rows.flatMap((r) => findBlobRefs(JSON.parse(r.body))).find((b) => b.hash === request.hash);
  const blobs = ds.getRepository(BlobRecord);
  const record =
    ref && ((await blobs.findOneBy({ id: ref.id, hash: ref.hash })) ?? (await blobs.findOneBy({ hash: ref.hash })));
  if (!ref || !record)
    throw ApiError.notFound('unknown-blob', `no message of that process refers to a blob ${request.hash} held here`);
  res.setHeader(BLOB_ID_HEADER, ref.id);
  res.setHeader(BLOB_TYPE_HEADER, record.contentType);
  res.setHeader(BLOB_NAME_HEADER, encodeURIComponent(record.name));
  res.setHeader(BLOB_AUTHOR_HEADER, record.author);
  return new StreamableFile(createReadStream(blobPath(config.blobDir, record.hash)), {
    type: 'application/octet-stream',
    length: record.size,
  });
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const value = JSON.parse(body) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw ApiError.badRequest('malformed-request', 'the request body must be a JSON object');
}

function parseContexts(body: string): string[] {
  const { contexts } = parseJson(body);
  if (
    !Array.isArray(contexts) ||
    contexts.length === 0 ||
    contexts.length > MAX_CONTEXTS_PER_REQUEST ||
    !contexts.every((c) => typeof c === 'string' && CONTEXT.test(c))
  )
    throw ApiError.badRequest(
      'malformed-request',
      `contexts must be 1 to ${MAX_CONTEXTS_PER_REQUEST} contexts (0x + 64 lowercase hex digits)`,
    );
  return [...new Set(contexts as string[])];
}

function parseBlobRequest(body: string): BlobRequest {
  const { context, hash } = parseJson(body);
  if (typeof context !== 'string' || !CONTEXT.test(context) || typeof hash !== 'string' || !BLOB_HASH.test(hash))
    throw ApiError.badRequest('malformed-request', 'a blob request needs a context and a blob hash');
  return { context, hash };
}
