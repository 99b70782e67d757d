import type { Wallet } from 'ethers';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import {
  BLOB_ID_HEADER,
  BLOB_NAME_HEADER,
  BLOB_TYPE_HEADER,
  BLOBS_PATH,
  blobSigningText,
  type BlobMeta,
} from '../../shared/exchange/blob-signing.js';
import { deliverToPeer } from '../../shared/exchange/peer-request.js';
import { signRequest } from '../../shared/exchange/signing.js';

/** Path on every gateway where other members deliver private messages. */
export const MESSAGES_PATH = '/api/v1/network/messages';

/**
 * Sends private messages member to member over HTTP, signed with this
 * member's registered key. Throws when a peer did not take the message, so
 * the caller (the message sender) tries again; receivers ignore a repeat.
 */
export class DataExchange {
  constructor(
    private readonly member: string,
    private readonly wallet: Wallet,
    private readonly directory: MemberDirectory,
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * Sends one message to several peers, signed once: the signature covers
   * the sender, the time and the body, not the receiver (signing is most of
   * the cost of a send). Throws when any of them did not take it.
   */
  async sendAll(to: string[], body: string): Promise<void> {
    if (to.length === 0) return;
    const headers = signRequest(this.wallet, this.member, body);
    const post = { headers: { 'content-type': 'application/json', ...headers }, body, timeoutMs: this.timeoutMs };
    await Promise.all(to.map((peer) => deliverToPeer(this.directory, peer, MESSAGES_PATH, post)));
  }

  /**
   * Pushes a blob a message refers to, before the message. Signed over the
   * metadata, hash and size (see blob-signing.ts); the receiver hashes the bytes.
   */
  async sendBlob(to: string, meta: BlobMeta, bytes: Uint8Array): Promise<void> {
    const headers = signRequest(this.wallet, this.member, blobSigningText(meta));
    await deliverToPeer(
      this.directory,
      to,
      `${BLOBS_PATH}/${meta.hash}`,
      {
        headers: {
          'content-type': 'application/octet-stream',
          [BLOB_ID_HEADER]: meta.id,
          [BLOB_TYPE_HEADER]: meta.contentType,
          [BLOB_NAME_HEADER]: encodeURIComponent(meta.name),
          ...headers,
        },
        body: bytes,
        timeoutMs: Math.max(this.timeoutMs, 60_000),
      },
      `blob ${meta.hash}`,
    );
  }
}
