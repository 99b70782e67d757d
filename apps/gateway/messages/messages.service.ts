import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Wallet } from 'ethers';
import type { DataSource } from 'typeorm';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import type { MemberConfig } from '../../shared/config.js';
import { nowIso } from '../../shared/db/data-source.js';
import { PrivateNoteRecord } from '../../shared/db/data-entities.js';
import { canonicalJson } from '../../shared/exchange/canonical.js';
import { ApiError } from '../common/api-error.js';
import { CONFIG, DATA_SOURCE, DIRECTORY } from '../core/tokens.js';
import type { ListMessagesDto, SendMessageDto } from './dto/send-message.dto.js';
import { deliverNote } from './note-delivery.js';
import { noteView, processMembers, storeNote } from './note-store.js';

/**
 * Unpinned private messages: sent straight to the other participants' gateways,
 * with no chain transaction and no ordering between them.
 */
@Injectable()
export class MessagesService {
  private readonly wallet: Wallet;

  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(DIRECTORY) private readonly directory: MemberDirectory,
  ) {
    this.wallet = new Wallet(config.memberKey);
  }

  async send(dto: SendMessageDto) {
    if (dto.pinned)
      throw ApiError.badRequest(
        'not-supported',
        'pinned messages are not sent through /messages: they travel as step outcomes of a process',
      );
    const me = this.config.memberName;
    if (Buffer.byteLength(canonicalJson(dto.data)) > this.config.maxBodyBytes)
      throw new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'payload-too-large', 'data is larger than MAX_BODY_BYTES');
    const { type, members } = await processMembers(this.ds, dto.processId);
    if (!members.includes(me))
      throw ApiError.badRequest('not-a-participant', `member ${me} takes no part in process ${dto.processId}`);
    const recipients = [...new Set(dto.to ?? members.filter((m) => m !== me))];
    const outsiders = recipients.filter((r) => r === me || !members.includes(r));
    if (outsiders.length > 0 || recipients.length === 0)
      throw ApiError.badRequest(
        'not-a-participant',
        `recipients must be other participants of process ${dto.processId}: ${outsiders.join(', ') || 'none given'}`,
        { recipients: outsiders },
      );
    // A retry with the same id re-sends the stored note; peers ignore what they have.
    const note = await storeNote(
      this.ds,
      {
        id: dto.id ?? randomUUID(),
        processId: dto.processId,
        author: me,
        recipients,
        data: dto.data,
        createdAt: nowIso(),
      },
      undefined,
    );
    const body = canonicalJson(note);
    const results = await Promise.allSettled(
      recipients.map((to) => deliverNote(this.directory, this.wallet, me, to, body)),
    );
    const deliveredTo = recipients.filter((_, i) => results[i].status === 'fulfilled');
    const failed = recipients
      .map((to, i) => ({ to, result: results[i] }))
      .filter((r): r is { to: string; result: PromiseRejectedResult } => r.result.status === 'rejected')
      .map(({ to, result }) => ({ member: to, reason: String((result.reason as Error)?.message ?? result.reason) }));
    if (failed.length > 0)
      throw new ApiError(
        HttpStatus.BAD_GATEWAY,
        'delivery-failed',
        `message ${note.id} did not reach ${failed.map((f) => f.member).join(', ')}; send it again with the same id`,
        { id: note.id, deliveredTo, failed },
      );
    await storeNote(this.ds, note, { type: 'message-sent', processType: type });
    return { id: note.id, deliveredTo };
  }

  async list(query: ListMessagesDto) {
    const rows = await this.ds.getRepository(PrivateNoteRecord).find({
      where: query.processId ? { processId: query.processId } : {},
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 1000,
    });
    return rows.map(noteView);
  }
}
