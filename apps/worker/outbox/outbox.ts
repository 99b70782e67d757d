import type { DataSource } from 'typeorm';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { sqlRows } from '../../shared/db/sql.js';

/**
 * Adds a message's pin to the outbound queue: state `sending` while `peers`
 * still have to take the message (the message sender's part), `queued` for
 * pinning when there are none. Adding the same hash again changes nothing.
 */
export async function addOutbound(
  ds: DataSource,
  { hash, context, messageId, peers }: { hash: string; context: string; messageId: string; peers: string[] },
): Promise<void> {
  const state = peers.length > 0 ? 'sending' : 'queued';
  // Through writeOnce, as every worker write: on SQLite a statement of its own would wait for the
  // gateway's write lock in SQLite's busy handler, with the event loop frozen.
  await writeOnce(ds, (em) =>
    sqlRows(
      em,
      `INSERT INTO "outbound_pins" ("hash", "context", "messageId", "state", "peers", "transactionHash", "batch", "queuedAt")
     VALUES (?, ?, ?, ?, ?, NULL, NULL, ?) ON CONFLICT DO NOTHING`,
      [hash, context, messageId, state, JSON.stringify(peers), nowIso()],
    ),
  );
}
