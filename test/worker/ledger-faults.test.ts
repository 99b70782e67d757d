import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardhatNode } from '../../apps/network/hardhat-node.js';
import { call } from '../../apps/network/json-rpc.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { SequencerClient } from '../../apps/shared/chain/sequencer.js';
import { LedgerPinRecord, OutboundPinRecord } from '../../apps/shared/db/entities.js';
import { createLogger } from '../../apps/shared/logger.js';
import { LedgerListener } from '../../apps/worker/ledger/ledger-listener.js';
import { PinBatcher } from '../../apps/worker/outbox/pin-batcher.js';
import { b32, freePort, projectRoot, tempDir } from '../contracts/chain-helpers.js';
import { openFreshTestDatabase } from '../support/member-database.js';

/**
 * The ledger's failure modes a production chain has and the journaled local
 * chain hides: blocks that a reorganisation takes back, and pin transactions
 * that fail. A bare hardhat node (snapshots and reverts allowed) plays the chain.
 */
describe('ledger under reorganisations and failed pin transactions', () => {
  let node: HardhatNode;
  let ds: DataSource;
  let owner: SequencerClient;
  let member: SequencerClient;
  const log = createLogger('test', 'buyer', 'error');
  const mine = (blocks: number) => Promise.all(Array.from({ length: blocks }, () => call(node.url, 'evm_mine')));
  const recorded = async () =>
    (await ds.getRepository(LedgerPinRecord).find({ order: { pin: 'ASC' } })).map((p) => p.hash);

  beforeAll(async () => {
    const dir = await tempDir('ledger-faults');
    node = await HardhatNode.start({
      projectRoot,
      host: '127.0.0.1',
      port: await freePort(),
      logFile: join(dir, 'node.log'),
      genesisDate: new Date().toISOString(),
    });
    const address = await SequencerClient.deploy(node.url, DEV_ACCOUNTS[0].privateKey);
    owner = new SequencerClient({ rpcUrl: node.url, address, privateKey: DEV_ACCOUNTS[0].privateKey });
    await owner.addMember(DEV_ACCOUNTS[1].address, 'buyer', 'http://127.0.0.1:1');
    member = new SequencerClient({ rpcUrl: node.url, address, privateKey: DEV_ACCOUNTS[1].privateKey });
    ds = await openFreshTestDatabase('baton_infra_ledger_faults', dir);
  });

  afterAll(async () => {
    member?.destroy();
    owner?.destroy();
    await ds?.destroy();
    await node?.stop();
  });

  it('acts only on pins under CHAIN_CONFIRMATIONS blocks, so a pin a reorganisation took back is never seen', async () => {
    const listener = new LedgerListener(ds, member, log, { startBlock: 0, confirmations: 2 });
    await listener.pollOnce();
    const snapshot = await call<string>(node.url, 'evm_snapshot');
    await member.pinBatch([b32('ctx')], [b32('orphaned')]);
    await mine(1);
    // One confirmation only: not yet.
    await listener.pollOnce();
    expect(await recorded()).toEqual([]);
    // The chain reorganises: the block with the pin is gone; another pin lands instead.
    expect(await call<boolean>(node.url, 'evm_revert', [snapshot])).toBe(true);
    await member.pinBatch([b32('ctx')], [b32('canonical')]);
    await listener.pollOnce();
    expect(await recorded()).toEqual([]);
    await mine(2);
    await listener.pollOnce();
    expect(await recorded()).toEqual([b32('canonical')]);
  });

  it('keeps pins queued when their transaction fails, and sends them again until it succeeds', async () => {
    const batcher = new PinBatcher(ds, member, log, { maxBatch: 200, lingerMs: 0, idleMs: 20 });
    await batcher.enqueue(b32('retried'), b32('ctx-2'), 'm-retried');
    // The member is taken off the registry for a while: pinBatch reverts (NotMember).
    await owner.removeMember(DEV_ACCOUNTS[1].address);
    await expect(batcher.pinOnce()).rejects.toThrow(/NotMember|revert/i);
    const queued = await ds.getRepository(OutboundPinRecord).findOneByOrFail({ hash: b32('retried') });
    expect(queued.state).toBe('queued');
    batcher.start(); // the running pinner retries on its own
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await ds.getRepository(OutboundPinRecord).findOneByOrFail({ hash: b32('retried') })).state).toBe('queued');
    await owner.addMember(DEV_ACCOUNTS[1].address, 'buyer', 'http://127.0.0.1:1');
    const deadline = Date.now() + 30_000;
    while ((await ds.getRepository(OutboundPinRecord).findOneByOrFail({ hash: b32('retried') })).state !== 'pinned') {
      if (Date.now() > deadline) throw new Error('the queued pin was not sent again');
      await new Promise((r) => setTimeout(r, 200));
    }
    await batcher.stop();
    const listener = new LedgerListener(ds, member, log, { startBlock: 0, confirmations: 0 });
    while ((await listener.pollOnce()) > 0);
    expect(await recorded()).toContain(b32('retried'));
  });
});
