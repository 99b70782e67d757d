import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, openDatabase } from './data-source.js';
import type { LedgerPinRecord } from './entities.js';
import { PinStore } from './pin-store.js';
import { insertRows } from './sql.js';

/** A pin of `context` at `contextIndex`, numbered `pin`, as the listener records it. */
function pin(pin: number, context: string, contextIndex: number, hash = `0xh${pin}`): LedgerPinRecord {
  return {
    pin,
    batch: pin,
    indexInBatch: 0,
    context,
    hash,
    author: '0xa',
    blockNumber: pin,
    logIndex: 0,
    transactionHash: `0xt${pin}`,
    contextIndex,
    state: 'pending',
    note: null,
    recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, pin)).toISOString(),
  };
}

describe('the pin store', () => {
  let dir: string;
  let ds: DataSource;
  let store: PinStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-pins-'));
    ds = await openDatabase({ databaseUrl: '', sqlitePath: join(dir, 'baton.sqlite') }, true);
    store = new PinStore(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const withData = (hashes: string[]) =>
    inTransaction(ds, (em) =>
      insertRows(
        em,
        'private_messages',
        hashes.map((hash) => ({
          hash,
          messageId: hash,
          processId: 'p',
          context: 'c',
          kind: 'step-outcome',
          author: 'alice',
          body: '{}',
          receivedFrom: 'alice',
          receivedAt: '2026-01-01T00:00:00.000Z',
        })),
      ),
    );

  it('moves a context through the pipeline: recorded, projected in order, delivered or held, foreign', async () => {
    // Context a: pins 1 and 3; context b: pin 2; context f: pin 4, another process's.
    await inTransaction(ds, (em) =>
      store.insert(
        em,
        [pin(1, 'a', 1), pin(2, 'b', 1), pin(3, 'a', 2), pin(4, 'f', 1)],
        [
          { context: 'a', pinCount: 2 },
          { context: 'b', pinCount: 1 },
          { context: 'f', pinCount: 1 },
        ],
      ),
    );
    expect(await store.lastPin(ds)).toBe(4);
    expect(await store.recorded(ds, [1, 4, 5])).toEqual(new Set([1, 4]));
    expect(await store.pinCounts(ds, ['a', 'f', 'z'])).toEqual(
      new Map([
        ['a', 2],
        ['f', 1],
      ]),
    );
    expect(await store.lackingData(10)).toEqual(['a', 'b', 'f']);
    expect(await store.readyToProject(10)).toEqual([]);

    // a's second pin has its data, its first not yet: a waits; b is ready once its data came.
    await withData(['0xh3', '0xh2']);
    expect(await store.readyToProject(10)).toEqual(['b']);
    await withData(['0xh1']);
    expect(await store.readyToProject(10)).toEqual(['a', 'b']);
    expect(await store.readyToProject(1)).toEqual(['a']);

    await inTransaction(ds, (em) => store.markProjected(em, [1, 2]));
    // a still has a pending pin: it is not handed to its workflow yet.
    expect(await store.readyToDeliver('2026-01-01T00:00:00.000Z', 10)).toEqual(['b']);
    await inTransaction(ds, (em) => store.markProjected(em, [3]));
    expect(await store.readyToDeliver('2026-01-01T00:00:00.000Z', 10)).toEqual(['a', 'b']);

    // Held pins wait until they were recorded before the due time.
    await inTransaction(ds, async (em) => {
      await store.mark(em, 'delivered', [1, 2]);
      await store.mark(em, 'held', [3]);
    });
    expect(await store.readyToDeliver('2026-01-01T00:00:03.000Z', 10)).toEqual([]);
    expect(await store.readyToDeliver('2026-01-01T00:00:03.001Z', 10)).toEqual(['a']);

    // A lost workflow gets its delivered pins again; held ones stay held.
    await inTransaction(ds, (em) => store.redeliver(em, ['a']));
    expect((await store.pinsOf(['a'])).map((p) => [p.pin, p.state]).sort()).toEqual([
      [1, 'projected'],
      [3, 'held'],
    ]);

    // A peer says f is not ours: its pins, and any that come later, are foreign.
    await inTransaction(ds, (em) => store.markForeign(em, ['f']));
    await inTransaction(ds, (em) => store.insert(em, [pin(5, 'f', 2)], [{ context: 'f', pinCount: 2 }]));
    expect(await store.anyPending()).toBe(true);
    await inTransaction(ds, (em) => store.spreadForeign(em));
    expect(await store.anyPending()).toBe(false);
    expect(await store.lackingData(10)).toEqual([]);

    expect(await store.count()).toBe(5);
    expect(await store.countByState()).toEqual({ pending: 0, projected: 1, held: 1, delivered: 1, foreign: 2 });
    expect(await store.anyPinned(['0xnone', '0xh2'])).toBe(true);
    expect(await store.anyPinned(['0xnone'])).toBe(false);
  });
});
