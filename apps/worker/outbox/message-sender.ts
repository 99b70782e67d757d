import type { DataSource } from 'typeorm';
import { groupBy, sumInWaves } from '../../shared/db/chunks.js';
import { writeOnce } from '../../shared/db/data-source.js';
import { marks, sqlRows } from '../../shared/db/sql.js';
import { pushReferencedBlobs } from '../../shared/exchange/blob-push.js';
import type { Logger } from '../../shared/logger.js';
import type { DataExchange } from './data-exchange.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import { addOutbound } from './outbox.js';

/** Messages taken in one pass, oldest first. */
const ROWS_PER_PASS = 200;
/** Processes whose messages go out at the same time (each process's stay in order). */
const PARALLEL_CONTEXTS = 16;
/** First pause before a process's messages are tried again after a peer failed; it doubles up to the last. */
const RETRY_MS = [500, 30_000] as const;

interface Sending {
  id: number;
  hash: string;
  context: string;
  messageId: string;
  peers: string;
  body: string;
}

/**
 * Delivers this member's messages to the other participants of their
 * process, then queues their pins: a message's hash reaches the ledger only
 * once every peer holds the message (and the blobs it refers to). The queue
 * is the `outbound_pins` table (state `sending`), so a crash loses nothing: a
 * message sent but not yet marked is sent again, and peers ignore a repeat.
 *
 * The publishing activity only stores the message and adds it here, in
 * milliseconds: a peer that is slow or down holds up that process's later
 * messages (their order is kept), never a workflow task.
 */
export class MessageSender {
  /** Processes waiting out a failed delivery: when to try again, and the pause after that. */
  private readonly backoff = new Map<string, { at: number; ms: number }>();
  /** Called when messages were delivered and their pins queued (the worker wakes the pinner). */
  onQueued?: () => void;
  /** Called when a message was added (the worker wakes the sending loop). */
  onAdded?: () => void;

  constructor(
    private readonly ds: DataSource,
    private readonly exchange: Pick<DataExchange, 'sendAll' | 'sendBlob'>,
    private readonly blobDir: () => string,
    private readonly log: Logger,
    private readonly metrics?: WorkerMetrics,
  ) {}

  /** Adds a stored message for delivery to `peers`, then pinning; adding it again changes nothing. */
  async add(hash: string, context: string, messageId: string, peers: string[]): Promise<void> {
    await addOutbound(this.ds, { hash, context, messageId, peers });
    if (peers.length > 0) this.onAdded?.();
    else this.onQueued?.();
  }

  /** Delivers what can be delivered now; returns how many messages it queued for pinning. */
  async sendOnce(): Promise<number> {
    const rows = await sqlRows<Sending>(
      this.ds,
      `SELECT o."id", o."hash", o."context", o."messageId", o."peers", m."body"
       FROM "outbound_pins" o INNER JOIN "private_messages" m ON m."hash" = o."hash"
       WHERE o."state" = 'sending' ORDER BY o."id" LIMIT ?`,
      [ROWS_PER_PASS],
    );
    const now = Date.now();
    const ready = rows.filter((row) => (this.backoff.get(row.context)?.at ?? 0) <= now);
    const byContext = [...groupBy(ready, (row) => row.context).values()];
    const queued = await sumInWaves(byContext, PARALLEL_CONTEXTS, (c) => this.sendInOrder(c));
    this.metrics?.messageDeliveryBackoff.set(this.backoff.size);
    if (queued > 0) this.onQueued?.();
    return queued;
  }

  /** Sends one process's messages in order, stopping at the first a peer did not take; marks those sent queued. */
  private async sendInOrder(rows: Sending[]): Promise<number> {
    const sent: number[] = [];
    for (const row of rows) {
      const peers = JSON.parse(row.peers) as string[];
      try {
        // Blobs the message refers to go first: a peer that has the message has its blobs.
        await pushReferencedBlobs(this.ds, this.blobDir, this.exchange, JSON.parse(row.body), peers);
        await this.exchange.sendAll(peers, row.body);
      } catch (err) {
        this.failed(row, peers, err);
        break;
      }
      sent.push(row.id);
      this.backoff.delete(row.context);
      this.metrics?.messagesDelivered.inc();
      this.log.debug('message delivered; pin queued', { messageId: row.messageId, hash: row.hash, peers });
    }
    if (sent.length > 0)
      // Through writeOnce: on SQLite a statement of its own waits for the gateway's write lock with the event loop frozen.
      await writeOnce(this.ds, (em) =>
        sqlRows(
          em,
          `UPDATE "outbound_pins" SET "state" = 'queued' WHERE "id" IN (${marks(sent.length)}) AND "state" = 'sending'`,
          sent,
        ),
      );
    return sent.length;
  }

  private failed(row: Sending, peers: string[], err: unknown): void {
    const previous = this.backoff.get(row.context);
    const ms = previous ? Math.min(previous.ms * 2, RETRY_MS[1]) : RETRY_MS[0];
    this.backoff.set(row.context, { at: Date.now() + ms, ms });
    this.metrics?.messageDeliveryFailures.inc();
    const fields = { messageId: row.messageId, hash: row.hash, peers, retryInMs: ms, error: (err as Error).message };
    // Loud the first time in a row for a process, quiet while it keeps failing.
    if (previous) this.log.debug('message delivery failed again', fields);
    else this.log.warn('message delivery failed; trying again', fields);
  }

  /** How long until a process waiting out a failure may be tried again (the loop's idle pause). */
  nextRetryMs(idleMs: number): number {
    const now = Date.now();
    let next = idleMs;
    for (const { at } of this.backoff.values()) next = Math.min(next, Math.max(0, at - now));
    return Math.max(next, 1);
  }
}
