import WebSocket from 'ws';
import { inTransaction, openDatabase } from '../apps/shared/db/data-source.js';
import { appendEvents } from '../apps/shared/db/event-log.js';
import { createDurableSubscription } from './member-feed.js';

export interface ReplayResult {
  events: number;
  eventsPerSec: number;
  seedEventsPerSec: number;
  note: string;
}

/**
 * Seeds `count` synthetic events into a member's event log (straight into its
 * database, beside the running worker and gateway), then reads them back
 * through a new durable subscription from `oldest`, acking every event.
 */
export async function replayDurable(
  gateway: string,
  sqlitePath: string,
  count: number,
): Promise<ReplayResult | undefined> {
  const ds = await openDatabase({ databaseUrl: '', sqlitePath }, false);
  const seedStart = Date.now();
  try {
    for (let i = 0; i < count; i += 1000)
      await inTransaction(ds, (em) =>
        appendEvents<'bench-synthetic'>(
          em,
          Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
            key: `bench-synthetic/${seedStart}/${i + j}`,
            type: 'bench-synthetic',
            topic: 'bench',
            data: { n: i + j },
          })),
        ),
      );
  } finally {
    await ds.destroy();
  }
  const seedMs = Date.now() - seedStart;
  const name = `bench-replay-${seedStart}`;
  if (!(await createDurableSubscription(gateway, name, '^bench-synthetic$', { firstEvent: 'oldest', readAhead: 1000 })))
    return undefined;
  const ws = new WebSocket(`${gateway.replace(/^http/, 'ws')}/ws`);
  const started = Date.now();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`replay: ${received} of ${count} events after 10 minutes`)),
      600_000,
    );
    ws.once('error', reject);
    ws.once('close', (code: number) => reject(new Error(`replay: socket closed (${code}) after ${received} events`)));
    ws.once('open', () => ws.send(JSON.stringify({ type: 'start', namespace: 'default', name })));
    ws.on('message', (raw: Buffer) => {
      const e = JSON.parse(raw.toString()) as { id?: string; type?: string; error?: string };
      if (e.error) reject(new Error(`replay: the gateway said: ${e.error}`));
      if (e.type !== 'bench-synthetic') return;
      ws.send(JSON.stringify({ type: 'ack', id: e.id, subscription: { name } }));
      if (++received >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const ms = Date.now() - started;
  ws.close();
  return {
    events: count,
    eventsPerSec: Math.round(count / (ms / 1000)),
    seedEventsPerSec: Math.round(count / (seedMs / 1000)),
    note: `synthetic events seeded into the buyer's event log, read back from oldest through a durable WebSocket subscription, one ack per event (readAhead 1000)`,
  };
}
