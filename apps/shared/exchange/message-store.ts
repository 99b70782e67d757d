import type { DataSource, EntityManager } from 'typeorm';
import type { LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import { inTransaction, nowIso } from '../db/data-source.js';
import type { PrivateMessageRecord } from '../db/entities.js';
import { appendEvents } from '../db/event-log.js';
import { insertRows, presentValues, sqlRows } from '../db/sql.js';
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
  await insertRows(ds, 'private_messages', [messageRow(message, stored, receivedFrom)], {
    on: ['hash'],
    then: 'ignore',
  });
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
  await storeReceivedMessages(ds, [{ message, stored }], from);
  return stored;
}

/** A message with its encoding (computed once: hashing is most of the work of taking one in). */
export interface EncodedMessage {
  message: LedgerMessage;
  stored: StoredMessage;
}

/**
 * Stores many messages from one member as `storeReceivedMessage` does, in
 * one transaction: a member rebuilding from block 0 takes its peers' answers
 * by the thousand. A process-started message in the list counts for the
 * others of its process wherever it stands.
 */
export async function storeReceivedMessages(ds: DataSource, all: EncodedMessage[], from: string): Promise<void> {
  if (all.length === 0) return;
  await inTransaction(ds, async (em) => {
    const known = await presentValues(
      em,
      'private_messages',
      'hash',
      all.map((m) => m.stored.hash),
    );
    const fresh: EncodedMessage[] = [];
    for (const m of all)
      if (!known.has(m.stored.hash)) {
        known.add(m.stored.hash);
        fresh.push(m);
      }
    if (fresh.length === 0) return;
    const starts = new Map<string, ProcessStartedMessage | undefined>();
    for (const { message, stored } of fresh)
      if (message.kind === 'process-started') starts.set(stored.context, message);
    for (const { stored } of fresh)
      if (!starts.has(stored.context)) starts.set(stored.context, await findStartMessage(em, stored.context));
    await insertRows(
      em,
      'private_messages',
      fresh.map(({ message, stored }) => messageRow(message, stored, from)),
    );
    await appendEvents(
      em,
      fresh.map(({ message, stored }) => {
        const processType = starts.get(stored.context)?.processType;
        return {
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
        };
      }),
    );
  });
}

/** The process-started message of a process context, which names its participants. */
export async function findStartMessage(
  db: DataSource | EntityManager,
  context: string,
): Promise<ProcessStartedMessage | undefined> {
  const [row] = await sqlRows<{ body: string }>(
    db,
    `SELECT "body" FROM "private_messages" WHERE "context" = ? AND "kind" = 'process-started' LIMIT 1`,
    [context],
  );
  return row ? (JSON.parse(row.body) as ProcessStartedMessage) : undefined;
}
