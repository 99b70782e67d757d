import type { Wallet } from 'ethers';
import type { MemberDirectory } from '../shared/chain/member-directory.js';
import {
  BLOB_ID_HEADER,
  BLOB_NAME_HEADER,
  BLOB_TYPE_HEADER,
  BLOBS_PATH,
  blobSigningText,
  type BlobMeta,
} from '../shared/exchange/blob-signing.js';
import { signRequest } from '../shared/exchange/signing.js';

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
    await Promise.all(to.map((peer) => this.post(peer, body, headers)));
  }

  private async post(to: string, body: string, headers: Record<string, string>): Promise<void> {
    const peer = await this.directory.byName(to);
    if (!peer) throw new Error(`member ${to} is not registered in the Sequencer`);
    let response: Response;
    try {
      response = await fetch(`${peer.endpoint.replace(/\/$/, '')}${MESSAGES_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`member ${to} unreachable at ${peer.endpoint}: ${(err as Error).message}`);
    }
    if (!response.ok) throw new Error(`member ${to} refused the message: ${response.status} ${await response.text()}`);
  }

  /**
   * Pushes a blob a message refers to, before the message. Signed over the
   * metadata, hash and size (see blob-signing.ts); the receiver hashes the bytes.
   */
  async sendBlob(to: string, meta: BlobMeta, bytes: Uint8Array): Promise<void> {
    const peer = await this.directory.byName(to);
    if (!peer) throw new Error(`member ${to} is not registered in the Sequencer`);
    const headers = signRequest(this.wallet, this.member, blobSigningText(meta));
    let response: Response;
    try {
      response = await fetch(`${peer.endpoint.replace(/\/$/, '')}${BLOBS_PATH}/${meta.hash}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          [BLOB_ID_HEADER]: meta.id,
          [BLOB_TYPE_HEADER]: meta.contentType,
          [BLOB_NAME_HEADER]: encodeURIComponent(meta.name),
          ...headers,
        },
        body: bytes,
        signal: AbortSignal.timeout(Math.max(this.timeoutMs, 60_000)),
      });
    } catch (err) {
      throw new Error(`member ${to} unreachable at ${peer.endpoint}: ${(err as Error).message}`);
    }
    if (!response.ok)
      throw new Error(`member ${to} refused blob ${meta.hash}: ${response.status} ${await response.text()}`);
  }
}
