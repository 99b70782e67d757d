import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalChain } from '../../apps/network/local-chain.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { SequencerClient } from '../../apps/shared/chain/sequencer.js';
import { In } from 'typeorm';
import { EventRecord, LedgerCursorRecord, LedgerPinRecord } from '../../apps/shared/db/entities.js';
import { createLogger } from '../../apps/shared/logger.js';
import { LedgerListener } from '../../apps/worker/ledger/ledger-listener.js';
import { BlockSchedule } from '../../apps/worker/outbox/block-schedule.js';
import { PinBatcher } from '../../apps/worker/outbox/pin-batcher.js';
import { NewHeads } from '../../apps/shared/chain/new-heads.js';
import { sqlRows } from '../../apps/shared/db/sql.js';
import { b32, freePort, projectRoot, tempDir } from '../contracts/chain-helpers.js';
import { openFreshTestDatabase } from '../support/member-database.js';
import type { DataSource } from 'typeorm';

// The pinner and the ledger listener against a real chain and a real database.
describe('pin batcher and ledger listener', () => {
  let chain: LocalChain;
  let ds: DataSource;
  let member: SequencerClient;
  const log = createLogger('test', 'buyer', 'error');

  beforeAll(async () => {
    const dir = await tempDir('pinning');
    chain = await LocalChain.start({ dataDir: join(dir, 'chain'), port: await freePort(), projectRoot, log: () => {} });
    const address = await SequencerClient.deploy(chain.rpcUrl, DEV_ACCOUNTS[0].privateKey);
    const owner = new SequencerClient({ rpcUrl: chain.rpcUrl, address, privateKey: DEV_ACCOUNTS[0].privateKey });
    await owner.addMember(DEV_ACCOUNTS[1].address, 'buyer', 'http://127.0.0.1:1');
    owner.destroy();
    member = new SequencerClient({ rpcUrl: chain.rpcUrl, address, privateKey: DEV_ACCOUNTS[1].privateKey });
    ds = await openFreshTestDatabase('baton_infra_pinning', dir);
  });

  afterAll(async () => {
    member?.destroy();
    await ds?.destroy();
    await chain?.stop();
  });

  it('pins everything queued in one transaction, once, and the listener numbers pins within each context', async () => {
    const batcher = new PinBatcher(ds, member, log, { maxBatch: 200, lingerMs: 0, idleMs: 50 });
    // 10 processes (contexts) with 5 pins each, interleaved as they would be under load.
    for (let i = 0; i < 50; i++) await batcher.enqueue(b32(`hash-${i}`), b32(`context-${i % 10}`), `m-${i}`);
    await batcher.enqueue(b32('hash-0'), b32('context-0'), 'm-0'); // queued twice: pinned once
    expect(await batcher.pinOnce()).toBe(50);
    expect(await batcher.pinOnce()).toBe(0);

    const listener = new LedgerListener(ds, member, log, { startBlock: 0, confirmations: 0 });
    expect(await listener.pollOnce()).toBe(1);
    expect(await listener.pollOnce()).toBe(0); // the cursor moved past the batch

    const pins = await ds.getRepository(LedgerPinRecord).find({ order: { pin: 'ASC' } });
    expect(pins).toHaveLength(50);
    expect(pins.map((p) => p.pin)).toEqual(pins.map((_, i) => pins[0].pin + i));
    expect(new Set(pins.map((p) => p.batch)).size).toBe(1);
    for (let c = 0; c < 10; c++) {
      const mine = pins.filter((p) => p.context === b32(`context-${c}`));
      expect(mine.map((p) => p.contextIndex)).toEqual([1, 2, 3, 4, 5]);
      expect(mine.map((p) => p.hash)).toEqual([0, 1, 2, 3, 4].map((k) => b32(`hash-${c + 10 * k}`)));
    }
    const events = await ds.getRepository(EventRecord).find({ order: { sequence: 'ASC' } });
    expect(events.map((e) => [e.sequence, e.type, e.data?.pins])).toEqual([[1, 'batch-pinned', 50]]);
  });

  it('records batches the chain pushed once they follow the recorded pins, before any read; the read then only moves on', async () => {
    const first = await member.pinBatch([b32('context-0'), b32('context-new')], [b32('pushed-1'), b32('pushed-2')]);
    const second = await member.pinBatch([b32('context-0')], [b32('pushed-3')]);
    const [a, b] = await member.batchesBetween(first.blockNumber, second.blockNumber);
    const cursor = async () => (await ds.getRepository(LedgerCursorRecord).findOneBy({ name: 'sequencer' }))?.nextBlock;
    const cursorBefore = await cursor();

    // Waiting for confirmations, pushes are not taken: the chain's head may still change.
    const confirming = new LedgerListener(ds, member, log, { startBlock: 0, confirmations: 1 });
    confirming.pushed(a);
    expect(await confirming.recordPushed()).toBe(0);

    const listener = new LedgerListener(ds, member, log, { startBlock: 0, confirmations: 0 });
    listener.pushed(b); // its predecessor not recorded: a gap, left to the read
    expect(await listener.recordPushed()).toBe(0);
    listener.pushed(b);
    listener.pushed(a);
    expect(await listener.recordPushed()).toBe(3);
    expect(await cursor()).toBe(cursorBefore);
    const pins = await ds.getRepository(LedgerPinRecord).find({ where: { batch: In([a.sequence, b.sequence]) } });
    expect(pins.map((p) => [p.pin, p.hash, p.contextIndex]).sort()).toEqual(
      [
        [a.firstPin, b32('pushed-1'), 6],
        [a.firstPin + 1, b32('pushed-2'), 1],
        [b.firstPin, b32('pushed-3'), 7],
      ].sort(),
    );

    expect(await listener.pollOnce()).toBe(2); // read, found recorded: the cursor moves, its save may wait
    expect(await listener.pollOnce()).toBe(0);
    expect(await cursor()).toBe(cursorBefore);
    await listener.saveCursor();
    expect(await cursor()).toBe(second.blockNumber + 1);
    expect(await ds.getRepository(LedgerPinRecord).countBy({ batch: In([a.sequence, b.sequence]) })).toBe(3);
    const events = await ds.getRepository(EventRecord).find({ order: { sequence: 'ASC' } });
    expect(events.map((e) => e.data?.batch)).toEqual([1, a.sequence, b.sequence]);
  });

  it('after a transaction that carried more than one pin, waits the busy linger and carries what comes meanwhile', async () => {
    const batcher = new PinBatcher(ds, member, log, { maxBatch: 200, lingerMs: 0, busyLingerMs: 2_000, idleMs: 50 });
    await batcher.enqueue(b32('busy-1'), b32('busy-context-1'), 'busy-1');
    await batcher.enqueue(b32('busy-2'), b32('busy-context-2'), 'busy-2');
    expect(await batcher.pinOnce()).toBe(2);
    await batcher.enqueue(b32('busy-3'), b32('busy-context-1'), 'busy-3');
    const lingering = batcher.pinOnce();
    // Queued well within the busy linger, after the batch found its first pin.
    await new Promise((r) => setTimeout(r, 300));
    await batcher.enqueue(b32('busy-4'), b32('busy-context-2'), 'busy-4');
    expect(await lingering).toBe(2);
    const listener = new LedgerListener(ds, member, log, { startBlock: 0, confirmations: 0 });
    while ((await listener.pollOnce()) > 0);
    const pinned = await ds.getRepository(LedgerPinRecord).findBy({ hash: In([b32('busy-3'), b32('busy-4')]) });
    expect(pinned).toHaveLength(2);
    expect(pinned[0].batch).toBe(pinned[1].batch);
  });

  it('on a chain with a block time, learns its beat and sends just before each block, so a pin waits one block', async () => {
    const BLOCK_MS = 2_000;
    await chain.setBlockTime(BLOCK_MS);
    const schedule = new BlockSchedule(600);
    const seenAt = new Map<number, number>();
    const heads = new NewHeads(
      chain.wsUrl,
      (n) => {
        if (n === undefined) return;
        seenAt.set(n, Date.now());
        schedule.headSeen();
      },
      log,
    );
    const batcher = new PinBatcher(ds, member, log, { maxBatch: 200, lingerMs: 0, idleMs: 50, schedule });
    const queuedAt = new Map<string, number>();
    heads.start();
    batcher.start();
    try {
      // A pin every 250 ms for eight blocks.
      for (let i = 0; i < (8 * BLOCK_MS) / 250; i++) {
        queuedAt.set(`beat-${i}`, Date.now());
        await batcher.enqueue(b32(`beat-${i}`), b32('beat-context'), `beat-${i}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const pinned = async () =>
        Number(
          (
            await sqlRows<{ n: number | string }>(
              ds,
              `SELECT COUNT(*) AS "n" FROM "outbound_pins" WHERE "state" = 'pinned' AND "messageId" LIKE 'beat-%'`,
            )
          )[0].n,
        );
      await expect.poll(pinned, { timeout: 4 * BLOCK_MS }).toBe(queuedAt.size);
    } finally {
      await batcher.stop();
      heads.stop();
      await chain.setBlockTime(0);
    }
    expect(schedule.intervalMs).toBeGreaterThan(BLOCK_MS * 0.75);
    expect(schedule.intervalMs).toBeLessThanOrEqual(BLOCK_MS + 100);

    const rows = await sqlRows<{ messageId: string; transactionHash: string }>(
      ds,
      `SELECT "messageId", "transactionHash" FROM "outbound_pins" WHERE "messageId" LIKE 'beat-%'`,
    );
    const blocks = [...seenAt.keys()];
    const batches = await member.batchesBetween(Math.min(...blocks), Math.max(...blocks));
    const blockOfTx = new Map(batches.map((b) => [b.transactionHash.toLowerCase(), b.blockNumber]));
    // Once the beat is learned (from the fourth block on), a pin queued early in an interval goes in the next block.
    // Most of them: on a loaded machine a send can still come late (a busy event loop, a slow journal fsync).
    const learnedFrom = seenAt.get(Math.min(...blocks) + 4)!;
    const landed: { messageId: string; next: boolean }[] = [];
    for (const { messageId, transactionHash } of rows) {
      const q = queuedAt.get(messageId)!;
      const before = blocks.filter((b) => seenAt.get(b)! <= q);
      if (q < learnedFrom || before.length === 0) continue;
      const last = Math.max(...before);
      const into = q - seenAt.get(last)!;
      if (into < 100 || into > 900) continue;
      landed.push({ messageId, next: blockOfTx.get(transactionHash.toLowerCase()) === last + 1 });
    }
    expect(landed.length).toBeGreaterThanOrEqual(3);
    // Sent as soon as the previous batch was mined, hardly any would: they would wait for the block after next.
    expect(landed.filter((l) => l.next).length / landed.length, JSON.stringify(landed)).toBeGreaterThan(0.5);
  }, 60_000);
});
