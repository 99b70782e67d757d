import { HttpStatus } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { parseCanonical } from '../../shared/exchange/canonical.js';
import { ApiError } from '../common/api-error.js';
import { noteView, processMembers, storeNote, type PrivateNote } from './note-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Takes an unpinned private message from another member (already
 * authenticated as `sender`): the note must be the sender's own, name this
 * member among its recipients, and the sender, this member and every
 * recipient must take part in the process. A repeat changes nothing.
 */
export async function receiveNote(ds: DataSource, me: string, sender: string, body: string): Promise<{ id: string }> {
  const parsed = parseCanonical<PrivateNote>(body, noteProblem);
  if (!parsed.ok) throw ApiError.badRequest(parsed.code, parsed.message);
  const note = parsed.value;
  if (note.author !== sender)
    throw new ApiError(
      HttpStatus.FORBIDDEN,
      'wrong-author',
      `member ${sender} cannot send a message by ${note.author}`,
    );
  if (!note.recipients.includes(me))
    throw new ApiError(HttpStatus.FORBIDDEN, 'not-a-recipient', `message ${note.id} is not addressed to ${me}`);
  const { type, members } = await processMembers(ds, note.processId);
  const outsiders = [sender, ...note.recipients].filter((m) => !members.includes(m));
  if (outsiders.length > 0)
    throw new ApiError(
      HttpStatus.FORBIDDEN,
      'not-a-participant',
      `process ${note.processId} is not shared with ${outsiders.join(', ')} here`,
    );
  await storeNote(ds, noteView(note), { type: 'message-received', processType: type });
  return { id: note.id };
}

/** Why `value` is not a private note, or undefined. */
function noteProblem(value: unknown): string | undefined {
  const n = value as Partial<PrivateNote> | null;
  const valid =
    n !== null &&
    typeof n === 'object' &&
    typeof n.id === 'string' &&
    UUID.test(n.id) &&
    typeof n.processId === 'string' &&
    typeof n.author === 'string' &&
    typeof n.createdAt === 'string' &&
    Array.isArray(n.recipients) &&
    n.recipients.every((r) => typeof r === 'string') &&
    'data' in n;
  return valid ? undefined : 'not a Baton private message';
}
