import type { DataSource } from 'typeorm';
import type { LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import { nowIso } from '../db/data-source.js';
import { PrivateMessageRecord } from '../db/entities.js';
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
    .values({
      hash: stored.hash,
      messageId: message.id,
      processId: message.processId,
      context: stored.context,
      kind: message.kind,
      author: message.author,
      body: stored.body,
      receivedFrom,
      receivedAt: nowIso(),
    })
    .orIgnore()
    .execute();
  return stored;
}

/** The process-started message of a process context, which names its participants. */
export async function findStartMessage(ds: DataSource, context: string): Promise<ProcessStartedMessage | undefined> {
  const row = await ds.getRepository(PrivateMessageRecord).findOneBy({ context, kind: 'process-started' });
  return row ? (JSON.parse(row.body) as ProcessStartedMessage) : undefined;
}
