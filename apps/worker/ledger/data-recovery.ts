import type { Wallet } from 'ethers';
import type { DataSource } from 'typeorm';
import { ledgerMessageProblem, type LedgerMessage } from '../../../workflows/messages.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import { groupBy } from '../../shared/db/chunks.js';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { BlobRecord } from '../../shared/db/data-entities.js';
import { PinStore, type ContextPin } from '../../shared/db/pin-store.js';
import { sanitiseContentType, sanitiseName } from '../../shared/exchange/blob-names.js';
import { BLOB_ID_HEADER, BLOB_NAME_HEADER, BLOB_TYPE_HEADER } from '../../shared/exchange/blob-signing.js';
import { findBlobRefs, hashBlob, writeBlob, type BlobRef } from '../../shared/exchange/blob-store.js';
import { canonicalJson, parseCanonical, processContext } from '../../shared/exchange/canonical.js';
import {
  BLOB_AUTHOR_HEADER,
  BLOB_REQUESTS_PATH,
  DATA_REQUESTS_PATH,
  MAX_CONTEXTS_PER_REQUEST,
  type DataAnswer,
} from '../../shared/exchange/data-requests.js';
import { encodeMessage, storeReceivedMessages, type EncodedMessage } from '../../shared/exchange/message-store.js';
import { postToPeer } from '../../shared/exchange/peer-request.js';
import { signRequest } from '../../shared/exchange/signing.js';
import type { Logger } from '../../shared/logger.js';

/** Contexts looked at in one pass. */
const CONTEXTS_PER_PASS = 1_000;
/** Requests in flight at once. */
const PARALLEL_REQUESTS = 4;

interface Attempt {
  tries: number;
  notBefore: number;
}

/**
 * Fetches the private data behind recorded pins this member lacks: after its
 * database was wiped (a rebuild from block 0), or pins of processes it never
 * received. For each such context it asks a member that pinned in it (then
 * any other member), signed with its own key; the peer answers with the
 * process's messages if this member takes part in it, and 403
 * `not-a-participant` otherwise, after which the context's pins are marked
 * `foreign` and never asked about again. Only messages whose hash is a pin of
 * that context are stored, so a peer cannot make up data; blobs a message
 * refers to are fetched (and checked against their hash) before the message,
 * as with a push.
 */
export class DataRecovery {
  private readonly attempts = new Map<string, Attempt>();

  private readonly pins: PinStore;

  constructor(
    private readonly ds: DataSource,
    private readonly directory: MemberDirectory,
    private readonly wallet: Wallet,
    private readonly member: string,
    private readonly blobDir: string,
    private readonly log: Logger,
    private readonly timeoutMs = 10_000,
  ) {
    this.pins = new PinStore(ds);
  }

  /** Asks for what is missing now; returns how many messages it stored. */
  async recoverOnce(): Promise<number> {
    await writeOnce(this.ds, (em) => this.pins.spreadForeign(em));
    const now = Date.now();
    const contexts = (await this.pins.lackingData(CONTEXTS_PER_PASS)).filter(
      (c) => (this.attempts.get(c)?.notBefore ?? 0) <= now,
    );
    if (contexts.length === 0) return 0;
    const pins = groupBy(await this.pins.pinsOf(contexts), (p) => p.context);
    const others = (await this.directory.all()).map((m) => m.name).filter((n) => n !== this.member);
    const groups = new Map<string, string[]>();
    for (const context of contexts) {
      const authors = await Promise.all(
        [...new Set((pins.get(context) ?? []).map((p) => p.author))].map(
          async (a) => (await this.directory.byAccount(a))?.name,
        ),
      );
      const candidates = [...new Set([...authors.filter((a): a is string => !!a && a !== this.member), ...others])];
      if (candidates.length === 0) continue;
      const peer = candidates[(this.attempts.get(context)?.tries ?? 0) % candidates.length];
      groups.set(peer, [...(groups.get(peer) ?? []), context]);
    }
    const requests: [string, string[]][] = [];
    for (const [peer, list] of groups)
      for (let i = 0; i < list.length; i += MAX_CONTEXTS_PER_REQUEST)
        requests.push([peer, list.slice(i, i + MAX_CONTEXTS_PER_REQUEST)]);
    let stored = 0;
    for (let i = 0; i < requests.length; i += PARALLEL_REQUESTS) {
      const counts = await Promise.all(
        requests.slice(i, i + PARALLEL_REQUESTS).map(([peer, list]) =>
          this.ask(peer, list, pins).catch((err: unknown) => {
            this.retryLater(list);
            this.log.warn('private data request failed', { peer, contexts: list.length, error: String(err) });
            return 0;
          }),
        ),
      );
      stored += counts.reduce((a, b) => a + b, 0);
    }
    return stored;
  }

  private async ask(peer: string, contexts: string[], pins: Map<string, ContextPin[]>): Promise<number> {
    const res = await this.post(peer, DATA_REQUESTS_PATH, { contexts });
    if (res.status === 403) {
      const body = (await res.json()) as { error?: { code?: string; details?: { refused?: string[] } } };
      const refused = body.error?.details?.refused ?? [];
      if (body.error?.code !== 'not-a-participant' || refused.length === 0)
        throw new Error(`${peer} refused: ${JSON.stringify(body)}`);
      await writeOnce(this.ds, (em) => this.pins.markForeign(em, refused));
      this.log.info('not a participant of these processes; their pins stay foreign', {
        peer,
        contexts: refused.length,
      });
      return 0;
    }
    if (!res.ok) throw new Error(`${peer} answered ${res.status}: ${await res.text()}`);
    const answer = (await res.json()) as DataAnswer;
    this.retryLater(answer.unknown);
    let blobs = 0;
    const accepted: EncodedMessage[] = [];
    for (const process of answer.processes) {
      const hashes = new Set((pins.get(process.context) ?? []).map((p) => p.hash));
      // Only well-formed messages pinned in this context, about this context's process.
      const ofContext = processContext(process.processId) === process.context;
      const messages = process.messages
        .map((body) => parseCanonical<LedgerMessage>(body, ledgerMessageProblem))
        .flatMap((m) => (m.ok && ofContext && m.value.processId === process.processId ? [m.value] : []))
        .map((message) => ({ message, stored: encodeMessage(message) }))
        .filter((m) => hashes.has(m.stored.hash));
      // Blobs first, as with a push: a member that has a message has its blobs.
      const refs = messages.flatMap((m) => findBlobRefs(m.message));
      try {
        for (const ref of refs) blobs += await this.fetchBlob(peer, process.context, ref, process.processId);
      } catch (err) {
        this.retryLater([process.context]);
        this.log.warn('blob request failed', { peer, processId: process.processId, error: String(err) });
        continue;
      }
      // The process-started message first: the others are accepted against it.
      const starts = (m: EncodedMessage) => Number(m.message.kind === 'process-started');
      messages.sort((a, b) => starts(b) - starts(a));
      accepted.push(...messages);
      if (messages.length < hashes.size) this.retryLater([process.context]);
      else this.attempts.delete(process.context);
    }
    // The whole answer in one transaction: a rebuild takes hundreds of processes at once.
    await storeReceivedMessages(this.ds, accepted, peer);
    if (accepted.length > 0)
      this.log.info('private data recovered', {
        peer,
        processes: answer.processes.length,
        messages: accepted.length,
        blobs,
      });
    return accepted.length;
  }

  /** Fetches one blob unless it is here already; returns 1 when it fetched it. */
  private async fetchBlob(peer: string, context: string, ref: BlobRef, processId: string): Promise<number> {
    if (await this.ds.getRepository(BlobRecord).existsBy({ id: ref.id, hash: ref.hash })) return 0;
    const res = await this.post(peer, BLOB_REQUESTS_PATH, { context, hash: ref.hash });
    if (!res.ok) throw new Error(`${peer} answered ${res.status} for blob ${ref.hash}: ${await res.text()}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (hashBlob(bytes) !== ref.hash) throw new Error(`blob ${ref.hash} from ${peer} does not match its hash`);
    await writeBlob(this.blobDir, bytes);
    const header = (name: string) => res.headers.get(name) ?? undefined;
    await writeOnce(this.ds, (em) =>
      em
        .createQueryBuilder()
        .insert()
        .into(BlobRecord)
        .values({
          id: ref.id,
          hash: ref.hash,
          size: bytes.length,
          contentType: sanitiseContentType(header(BLOB_TYPE_HEADER)),
          name: sanitiseName(safeDecode(header(BLOB_NAME_HEADER))),
          author: header(BLOB_AUTHOR_HEADER) ?? peer,
          processId,
          createdAt: nowIso(),
        })
        .orIgnore()
        .execute(),
    );
    if (header(BLOB_ID_HEADER) !== ref.id) this.log.debug('blob served under another id', { id: ref.id, peer });
    return 1;
  }

  private async post(peer: string, path: string, request: unknown): Promise<Response> {
    const body = canonicalJson(request);
    const headers = { 'content-type': 'application/json', ...signRequest(this.wallet, this.member, body) };
    return postToPeer(this.directory, peer, path, { headers, body, timeoutMs: this.timeoutMs });
  }

  /** Asks another member next time, after a pause that grows with each try. */
  private retryLater(contexts: string[]): void {
    for (const c of contexts) {
      const tries = (this.attempts.get(c)?.tries ?? 0) + 1;
      this.attempts.set(c, { tries, notBefore: Date.now() + Math.min(30_000, 500 * 2 ** Math.min(tries, 6)) });
    }
  }
}

function safeDecode(value: string | undefined): string | undefined {
  try {
    return value === undefined ? undefined : decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
