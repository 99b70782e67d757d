import { HttpStatus, Inject, Injectable, type StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { ledgerMessageProblem, type LedgerMessage } from '../../../workflows/messages.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import type { MemberConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { parseCanonical, processContext } from '../../shared/exchange/canonical.js';
import { encodeMessage, findStartMessage, storeReceivedMessage } from '../../shared/exchange/message-store.js';
import { PrivateMessageRecord } from '../../shared/db/entities.js';
import { PinStore } from '../../shared/db/pin-store.js';
import { recoverSigner, type MemberSignature } from '../../shared/exchange/signing.js';
import { ApiError } from '../common/api-error.js';
import { receiveBlob, type SignedBlobRequest } from '../data/blob-intake.js';
import { CONFIG, DATA_SOURCE, DIRECTORY, LOGGER } from '../core/tokens.js';
import { receiveNote } from '../messages/note-intake.js';
import { serveBlob, serveData } from './data-requests.js';
import type { DataAnswer } from '../../shared/exchange/data-requests.js';

export interface SignedRequest extends MemberSignature {
  rawBody?: Buffer;
}

@Injectable()
export class NetworkService {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(DIRECTORY) private readonly directory: MemberDirectory,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async members() {
    return (await this.directory.all()).map((m) => ({ ...m, local: m.name === this.config.memberName }));
  }

  /**
   * Takes a private message from another member: the signature must come from
   * the registered key of the member it claims, the message must be that
   * member's, and this member must take part in the process.
   */
  async receive(req: SignedRequest): Promise<{ hash: string }> {
    const sender = await this.authenticate(req);
    const body = req.rawBody!.toString('utf8');
    const message = parseMessage(body);
    if (message.author !== sender)
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'wrong-author',
        `member ${sender} cannot send a message by ${message.author}`,
      );
    const participants =
      message.kind === 'process-started'
        ? message.participants
        : (await findStartMessage(this.ds, processContext(message.processId)))?.participants;
    if (!participants) {
      this.log.warn('message refused: process unknown here', { processId: message.processId, from: sender });
      throw new ApiError(
        HttpStatus.CONFLICT,
        'unknown-process',
        `process ${message.processId} has not been started here yet`,
      );
    }
    const members = Object.values(participants);
    if (!members.includes(this.config.memberName) || !members.includes(sender))
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'not-a-participant',
        `process ${message.processId} is not shared with ${sender} here`,
      );
    await this.refuseConflict(message);
    const stored = await storeReceivedMessage(this.ds, message, sender);
    this.log.debug('message received', {
      processId: message.processId,
      kind: message.kind,
      messageId: message.id,
      from: sender,
      hash: stored.hash,
    });
    return { hash: stored.hash };
  }

  /**
   * Message ids follow from what a message is about, so one id with other
   * content is another version of it. Once the ledger has pinned one version,
   * no other can ever match a pin: refuse it rather than keep it.
   */
  private async refuseConflict(message: LedgerMessage): Promise<void> {
    const { hash } = encodeMessage(message);
    const versions = await this.ds.getRepository(PrivateMessageRecord).findBy({ messageId: message.id });
    const others = versions.filter((v) => v.hash !== hash).map((v) => v.hash);
    if (others.length === 0) return;
    if (await new PinStore(this.ds).anyPinned(others))
      throw new ApiError(
        HttpStatus.CONFLICT,
        'conflicting-message',
        `message ${message.id} is already pinned with other content; this version matches no pin`,
      );
  }

  /** Takes a blob another member pushes before a message that refers to it (see blob-intake.ts). */
  async receiveBlob(hash: string, req: SignedBlobRequest): Promise<{ id: string; hash: string }> {
    return receiveBlob(this.ds, this.config, hash, req, (text) => this.authenticate(req, text));
  }

  /** Re-sends the private messages of processes the requester takes part in (see data-requests.ts). */
  async serveData(req: SignedRequest): Promise<DataAnswer> {
    const requester = await this.authenticate(req);
    const answer = await serveData(this.ds, requester, req.rawBody!.toString('utf8'));
    this.log.info('private data re-sent', { to: requester, processes: answer.processes.length });
    return answer;
  }

  /** Re-sends a blob a message of a process the requester takes part in refers to. */
  async serveBlob(req: SignedRequest, res: Response): Promise<StreamableFile> {
    const requester = await this.authenticate(req);
    return serveBlob(this.ds, this.config, requester, req.rawBody!.toString('utf8'), res);
  }

  /** Takes an unpinned private message from another member (see note-intake.ts). */
  async receiveNote(req: SignedRequest): Promise<{ id: string }> {
    const sender = await this.authenticate(req);
    return receiveNote(this.ds, this.config.memberName, sender, req.rawBody!.toString('utf8'));
  }

  /** The member whose registered key signed `signedText` (by default the raw body). */
  private async authenticate(req: SignedRequest, signedText = req.rawBody?.toString('utf8')): Promise<string> {
    if (!req.member || !req.timestamp || !req.signature || signedText === undefined)
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unsigned-request',
        'member requests must be signed (x-baton-* headers)',
      );
    let signer: string;
    try {
      signer = recoverSigner(req, signedText);
    } catch (err) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'bad-signature', (err as Error).message);
    }
    const member = await this.directory.byAccount(signer);
    if (!member || member.name !== req.member)
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unknown-member',
        `the signing key is not the registered key of ${req.member}`,
      );
    return member.name;
  }
}

/** A ledger message another member sent, as it hashed it; a 400 (`malformed-message`, `non-canonical-message`) otherwise. */
export function parseMessage(body: string): LedgerMessage {
  const parsed = parseCanonical<LedgerMessage>(body, ledgerMessageProblem);
  if (!parsed.ok) throw ApiError.badRequest(parsed.code, parsed.message);
  return parsed.value;
}
