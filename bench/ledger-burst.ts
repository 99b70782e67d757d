import { randomBytes } from 'node:crypto';
import { In } from 'typeorm';
import { chunks } from '../apps/shared/db/chunks.js';
import { inTransaction, nowIso, openDatabase } from '../apps/shared/db/data-source.js';
import { OutboundPinRecord } from '../apps/shared/db/entities.js';
import type { ChainWatch } from './chain-watch.js';
import { sleep } from './stats.js';

export interface LedgerBurstResult {
  pins: number;
  transactions: number;
  pinsPerTx: number;
  largestBatch: number;
  /** Pins per second from the first batch of the burst mined to the last. */
  pinsPerSec: number;
  elapsedMs: number;
  note: string;
}

/**
 * The pinner under a load the processes of this machine cannot produce:
 * `count` pins queued at once in one member's outbound queue (straight into
 * its database, beside its running worker), then pinned by that worker's own
 * pinner through the chain as usual. Shows how batches fill by size once pins
 * wait for the chain, and what the ledger alone can take.
 *
 * The pins name synthetic contexts nobody holds data for: every member
 * records them and keeps asking its peers for their data, so this runs last.
 */
export async function ledgerBurst(
  sqlitePath: string,
  chain: ChainWatch,
  count: number,
  timeoutMs = 300_000,
): Promise<LedgerBurstResult | { notMeasured: string }> {
  const ds = await openDatabase({ databaseUrl: '', sqlitePath }, false);
  try {
    const tag = `bench-burst/${Date.now()}`;
    const rows = Array.from({ length: count }, (_, i) => ({
      hash: '0x' + randomBytes(32).toString('hex'),
      context: '0x' + randomBytes(32).toString('hex'),
      messageId: `${tag}/${i}`,
      state: 'queued',
      transactionHash: null,
      batch: null,
      queuedAt: nowIso(),
    }));
    const hashes = rows.map((r) => r.hash);
    const headBefore = await chain.blockNumber();
    // One transaction: the pinner finds the whole burst queued at once.
    await inTransaction(ds, async (em) => {
      for (const part of chunks(rows, 100)) await em.insert(OutboundPinRecord, part);
    });
    const began = Date.now();
    const repo = ds.getRepository(OutboundPinRecord);
    const queued = async () => {
      let n = 0;
      for (const part of chunks(hashes, 500)) n += await repo.countBy({ hash: In(part), state: 'queued' });
      return n;
    };
    let firstPinnedAt: number | undefined;
    for (;;) {
      const left = await queued();
      if (left < count) firstPinnedAt ??= Date.now();
      if (left === 0) break;
      if (Date.now() - began > timeoutMs)
        return { notMeasured: `${left} of ${count} pins still queued after ${timeoutMs / 1000} s` };
      await sleep(20);
    }
    const endedAt = Date.now();
    const mine = new Set(hashes);
    const { batches } = await chain.batches(headBefore + 1, await chain.blockNumber());
    const burst = batches.filter((b) => mine.has(b.pins[0]));
    const pins = burst.reduce((n, b) => n + b.pins.length, 0);
    const first = burst[0]?.pins.length ?? 0;
    return {
      pins,
      transactions: burst.length,
      pinsPerTx: burst.length ? Math.round((pins / burst.length) * 10) / 10 : 0,
      largestBatch: Math.max(0, ...burst.map((b) => b.pins.length)),
      // The first batch is mined before it is seen as pinned: the rate counts the batches after it.
      pinsPerSec: Math.round((pins - first) / (Math.max(1, endedAt - firstPinnedAt!) / 1000)),
      elapsedMs: endedAt - began,
      note:
        `${count} pins queued at once in the buyer's outbound queue and pinned by its running worker ` +
        `(PIN_BATCH_MAX ${process.env.PIN_BATCH_MAX ?? 200}); synthetic contexts, so this runs last`,
    };
  } finally {
    await ds.destroy();
  }
}
