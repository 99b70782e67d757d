import type { DataSource, EntityManager } from 'typeorm';
import type { LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import { inTransaction, nowIso } from '../db/data-source.js';
import { PrivateMessageRecord } from '../db/entities.js';
import { appendEvents } from '../db/event-log.js';
import { findBlobRefs } from './blob-store.js';
import { canonicalJson, hashText, processContext } from './canonical.js';

export interface StoredMessage {
  hash: string;
  context: string;
  body: string;
}

/** Encodes a message the one way every member hashes it. */
export function encodeMessage(message: LedgerMessage): StoredMessage {
  const body = canonicalJson(message);
  return { body, hash: hashText(body), context: processContext(message.processId) };
}

/** The row a message is stored as. */
function messageRow(message: LedgerMessage, stored: StoredMessage, receivedFrom: string): PrivateMessageRecord {
  return {
    hash: stored.hash,
    messageId: message.id,
    processId: message.processId,
    context: stored.context,
    kind: message.kind,
    author: message.author,
    body: stored.body,
    receivedFrom,
    receivedAt: nowIso(),
  };
}

/** Stores a message under its hash; storing the same message again changes nothing. */
export async function storeMessage(
  ds: DataSource,
  message: LedgerMessage,
  receivedFrom: string,
): Promise<StoredMessage> {
  const stored = encodeMessage(message);
  await ds
    .createQueryBuilder()
    .insert()
    .into(PrivateMessageRecord)
    .values(messageRow(message, stored, receivedFrom))
    .orIgnore()
    .execute();
  return stored;
}

/**
 * Stores a message another member sent (pushed, or re-sent on request to a
 * rebuilding member) and, the first time, a `data-received` event naming its
 * process and linking the blobs it refers to. A repeat changes nothing.
 */
export async function storeReceivedMessage(
  ds: DataSource,
  message: LedgerMessage,
  from: string,
): Promise<StoredMessage> {
  const stored = encodeMessage(message);
  await inTransaction(ds, async (em) => {
    if (await em.existsBy(PrivateMessageRecord, { hash: stored.hash })) return;
    const start = message.kind === 'process-started' ? message : await findStartMessage(em, stored.context);
    const processType = start?.processType;
    await em.insert(PrivateMessageRecord, messageRow(message, stored, from));
    await appendEvents(em, [
      {
        key: `data-received/${stored.hash}`,
        type: 'data-received',
        processId: message.processId,
        processType,
        topic: processType ?? 'messages',
        correlator: message.processId,
        data: {
          messageId: message.id,
          kind: message.kind,
          author: message.author,
          from,
          hash: stored.hash,
          blobs: findBlobRefs(message),
        },
      },
    ]);
  });
  return stored;
}

/** The process-started message of a process context, which names its participants. */
export async function findStartMessage(
  db: DataSource | EntityManager,
  context: string,
): Promise<ProcessStartedMessage | undefined> {
  const row = await db.getRepository(PrivateMessageRecord).findOneBy({ context, kind: 'process-started' });
  return row ? (JSON.parse(row.body) as ProcessStartedMessage) : undefined;
}
