import { HttpStatus } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../shared/db/data-source.js';
import { PrivateNoteRecord } from '../../shared/db/data-entities.js';
import { appendEvents } from '../../shared/db/event-log.js';
import { canonicalJson, processContext } from '../../shared/exchange/canonical.js';
import { findStartMessage } from '../../shared/exchange/message-store.js';
import { ApiError } from '../common/api-error.js';

/** An unpinned private message as it travels between members (canonical JSON) and is stored. */
export interface PrivateNote {
  id: string;
  processId: string;
  author: string;
  recipients: string[];
  data: unknown;
  createdAt: string;
}

export function noteView(r: PrivateNote): PrivateNote {
  const { id, processId, author, recipients, data, createdAt } = r;
  return { id, processId, author, recipients, data, createdAt };
}

/** The members of a process as this member knows them from its process-started message. */
export async function processMembers(ds: DataSource, processId: string): Promise<{ type: string; members: string[] }> {
  const start = await findStartMessage(ds, processContext(processId));
  if (!start) throw ApiError.notFound('unknown-process', `process ${processId} is not known here`);
  return { type: start.processType, members: Object.values(start.participants) };
}

/**
 * Stores a note once, with its event, in one transaction. A note whose id is
 * already stored with the same content changes nothing (a retried delivery);
 * another note under the same id is refused.
 */
export async function storeNote(
  ds: DataSource,
  note: PrivateNote,
  event: { type: 'message-received' | 'message-sent'; processType: string } | undefined,
): Promise<PrivateNote> {
  return inTransaction(ds, async (em) => {
    const existing = await em.findOneBy(PrivateNoteRecord, { id: note.id });
    if (existing) {
      const same = (a: PrivateNote) => canonicalJson({ ...noteView(a), createdAt: undefined });
      if (same(existing) !== same(note))
        throw new ApiError(HttpStatus.CONFLICT, 'message-id-conflict', `message ${note.id} exists with other content`);
    } else await em.insert(PrivateNoteRecord, { ...note, data: note.data as object });
    if (event)
      await appendEvents(em, [
        {
          key: `${event.type}/${note.id}`,
          type: event.type,
          topic: 'messages',
          processId: note.processId,
          processType: event.processType,
          data: { id: note.id, author: note.author, recipients: note.recipients },
        },
      ]);
    return existing ? noteView(existing) : note;
  });
}
