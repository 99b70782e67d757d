import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { concat, keccak256, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardhatNode } from '../../apps/network/hardhat-node.js';
import { serveJsonRpc, type JsonRpcServer } from '../../apps/network/json-rpc-server.js';
import { call, forward } from '../../apps/network/json-rpc.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { SequencerClient, SequencerRevertError, type PinReceipt } from '../../apps/shared/chain/sequencer.js';
import { addDemoMembers, b32, freePort, projectRoot, tempDir } from './chain-helpers.js';

const [owner, buyer, seller, bank, outsider] = DEV_ACCOUNTS;

/** Resolves to the custom error name a call reverted with. */
async function revertName(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SequencerRevertError);
  return (err as SequencerRevertError).errorName;
}

describe('Sequencer contract', () => {
  let node: HardhatNode;
  let dir: string;
  const clients: SequencerClient[] = [];
  let address: string;
  const client = (privateKey?: string): SequencerClient => {
    const c = new SequencerClient({ rpcUrl: node.url, address, privateKey });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // A bare node (no journaling proxy): these tests are about the contract and client.
    dir = await tempDir('sequencer');
    node = await HardhatNode.start({
      projectRoot,
      host: '127.0.0.1',
      port: await freePort(),
      logFile: join(dir, 'hardhat-node.log'),
      genesisDate: new Date().toISOString(),
    });
    address = await SequencerClient.deploy(node.url, owner.privateKey);
    const admin = client(owner.privateKey);
    await addDemoMembers(admin);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await node?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is deployed and lists members in the order added', async () => {
    const reader = client();
    expect(await reader.hasCode()).toBe(true);
    expect(await reader.chainId()).toBe(31337);
    expect(await reader.members()).toEqual([
      {
        account: buyer.address,
        name: 'buyer',
        endpoint: 'http://localhost:3001',
      },
      {
        account: seller.address,
        name: 'seller',
        endpoint: 'http://localhost:3002',
      },
      {
        account: bank.address,
        name: 'bank',
        endpoint: 'http://localhost:3003',
      },
    ]);
    expect(await reader.isMember(seller.address)).toBe(true);
    expect(await reader.isMember(outsider.address)).toBe(false);
    const nowhere = new SequencerClient({
      rpcUrl: node.url,
      address: Wallet.createRandom().address,
    });
    clients.push(nowhere);
    expect(await nowhere.hasCode()).toBe(false);
  });

  it('numbers batches and pins globally across authors, in chain order', async () => {
    const from = (await client().blockNumber()) + 1;
    const b = client(buyer.privateKey);
    const s = client(seller.privateKey);
    const r1 = await b.pinBatch([b32('p1'), b32('p1')], [b32('a'), b32('b')]);
    const r2 = await s.pinBatch([b32('p2'), b32('p1'), b32('p2')], [b32('c'), b32('d'), b32('e')]);
    const r3 = await b.pinBatch([b32('p1')], [b32('f')]);
    expect([r1.sequence, r2.sequence, r3.sequence]).toEqual([1, 2, 3]);
    expect([r1.firstPin, r2.firstPin, r3.firstPin]).toEqual([1, 3, 6]);

    const batches = await client().batchesBetween(from, await client().blockNumber());
    expect(batches.map((x) => [x.sequence, x.author, x.firstPin, x.blockNumber, x.transactionHash])).toEqual([
      [1, buyer.address, 1, r1.blockNumber, r1.transactionHash],
      [2, seller.address, 3, r2.blockNumber, r2.transactionHash],
      [3, buyer.address, 6, r3.blockNumber, r3.transactionHash],
    ]);
    expect(batches[1].contexts).toEqual([b32('p2'), b32('p1'), b32('p2')]);
    expect(batches[1].pins).toEqual([b32('c'), b32('d'), b32('e')]);
    for (const x of batches) {
      // abi.encodePacked of two bytes32[] is their elements back to back.
      expect(x.batchHash).toBe(keccak256(concat([...x.contexts, ...x.pins])));
    }
  });

  it('serializes concurrent sends from one client so nonces never collide', async () => {
    const bk = client(bank.privateKey);
    const receipts = await Promise.all([1, 2, 3, 4].map((i) => bk.pinBatch([b32('ctx')], [b32(i)])));
    const seqs = receipts.map((r) => r.sequence).sort((a, z) => a - z);
    expect(seqs).toEqual([seqs[0], seqs[0] + 1, seqs[0] + 2, seqs[0] + 3]);
  });

  it('fails a send the chain dropped, then sends again with a fresh nonce', async () => {
    const sender = new SequencerClient({
      rpcUrl: node.url,
      address,
      privateKey: bank.privateKey,
      droppedAfterMs: 1_000,
    });
    clients.push(sender);
    const pending = () => call<{ transactions: string[] }>(node.url, 'eth_getBlockByNumber', ['pending', false]);
    await call(node.url, 'evm_setAutomine', [false]);
    try {
      const sent = sender.pinBatch([b32('ctx')], [b32('dropped')]);
      sent.catch(() => undefined);
      await expect.poll(async () => (await pending()).transactions.length).toBe(1);
      const [hash] = (await pending()).transactions;
      await call(node.url, 'hardhat_dropTransaction', [hash]); // as a node restarted without its mempool would
      await expect(sent).rejects.toThrow(new RegExp(`transaction ${hash} was dropped`));
    } finally {
      await call(node.url, 'evm_setAutomine', [true]);
    }
    const again = await sender.pinBatch([b32('ctx')], [b32('dropped')]);
    const [batch] = await sender.batchesBetween(again.blockNumber, again.blockNumber);
    expect(batch.pins).toEqual([b32('dropped')]);
  }, 30_000);

  describe('through a relay that counts the calls it passes to the node', () => {
    let relay: JsonRpcServer;
    let url: string;
    const calls: string[] = [];
    const count = (method: string) => calls.filter((m) => m === method).length;
    const through = (privateKey: string, feeDataMaxAgeMs?: number) => {
      const c = new SequencerClient({ rpcUrl: url, address, privateKey, feeDataMaxAgeMs });
      clients.push(c);
      return c;
    };

    beforeAll(async () => {
      const port = await freePort();
      relay = await serveJsonRpc('127.0.0.1', port, (req) => {
        calls.push(req.method);
        return forward(node.url, req);
      });
      url = `http://127.0.0.1:${port}`;
    });
    afterAll(() => relay.close());

    it('asks the chain for nonce and fees once, not for every transaction', async () => {
      calls.length = 0;
      const b = through(buyer.privateKey);
      const receipts: PinReceipt[] = [];
      for (let i = 0; i < 4; i++) receipts.push(await b.pinBatch([b32('cached')], [b32(`cached-${i}`)]));
      expect(receipts.map((r) => r.sequence)).toEqual([0, 1, 2, 3].map((i) => receipts[0].sequence + i));
      expect(count('eth_sendRawTransaction')).toBe(4);
      // Still estimated each time: that is where a revert shows, with its reason, before any gas is spent.
      expect(count('eth_estimateGas')).toBe(4);
      expect(count('eth_getTransactionCount')).toBe(1);
      expect(count('eth_getBlockByNumber')).toBe(1);
      expect(count('eth_maxPriorityFeePerGas')).toBe(1);

      calls.length = 0;
      const fresh = through(buyer.privateKey, 0);
      await fresh.pinBatch([b32('cached')], [b32('fresh-1')]);
      await fresh.pinBatch([b32('cached')], [b32('fresh-2')]);
      expect(count('eth_getBlockByNumber')).toBe(2);
      expect(count('eth_getTransactionCount')).toBe(1);
    });

    it('asks for the receipt of a transaction waiting for its block less and less often', async () => {
      const b = through(buyer.privateKey);
      await b.pinBatch([b32('waits')], [b32('waits-0')]); // nonce and fees cached
      await call(node.url, 'evm_setAutomine', [false]);
      try {
        calls.length = 0;
        const sent = b.pinBatch([b32('waits')], [b32('waits-1')]);
        await new Promise((r) => setTimeout(r, 4_000));
        await call(node.url, 'evm_mine', []);
        const receipt = await sent;
        expect(receipt.waitedForBlock).toBe(true);
        // Every 50 ms for 4 s would be 80 asks; backing off to 400 ms, about 14.
        expect(count('eth_getTransactionReceipt')).toBeGreaterThanOrEqual(5);
        expect(count('eth_getTransactionReceipt')).toBeLessThanOrEqual(20);
      } finally {
        await call(node.url, 'evm_setAutomine', [true]);
      }
    });

    it('takes a fresh nonce when another sender used the account meanwhile', async () => {
      // Fee data read again for every send: the retry must not depend on the fee cache being fresh.
      const first = through(seller.privateKey, 0);
      const second = through(seller.privateKey);
      const a = await first.pinBatch([b32('shared')], [b32('shared-1')]);
      const b = await second.pinBatch([b32('shared')], [b32('shared-2')]);
      calls.length = 0;
      // first's cached nonce is the one second used: the node refuses it, first asks again and sends once more.
      const c = await first.pinBatch([b32('shared')], [b32('shared-3')]);
      expect([b.sequence, c.sequence]).toEqual([a.sequence + 1, a.sequence + 2]);
      expect(count('eth_sendRawTransaction')).toBe(2);
      expect(count('eth_getTransactionCount')).toBe(1);
      const batches = await first.batchesBetween(a.blockNumber, c.blockNumber);
      expect(batches.map((x) => x.pins[0])).toEqual([b32('shared-1'), b32('shared-2'), b32('shared-3')]);
    });
  });

  it('rejects malformed batches with their custom errors', async () => {
    const b = client(buyer.privateKey);
    expect(await revertName(b.pinBatch([], []))).toBe('EmptyBatch');
    expect(await revertName(b.pinBatch([b32(1), b32(2)], [b32(3)]))).toBe('LengthMismatch');
    const big = Array.from({ length: 1001 }, (_, i) => b32(i));
    expect(await revertName(b.pinBatch(big, big))).toBe('BatchTooLarge');
    // A failed send must not block the client's queue.
    expect((await b.pinBatch([b32('ok')], [b32('ok')])).sequence).toBeGreaterThan(0);
  });

  it('enforces membership and ownership', async () => {
    const err = await client(outsider.privateKey)
      .pinBatch([b32(1)], [b32(1)])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SequencerRevertError);
    expect((err as SequencerRevertError).errorName).toBe('NotMember');
    expect((err as SequencerRevertError).args).toEqual([outsider.address]);
    expect((err as Error).message).toContain('NotMember');

    expect(await revertName(client(buyer.privateKey).addMember(outsider.address, 'x', 'y'))).toBe('NotOwner');
    expect(await revertName(client(seller.privateKey).removeMember(buyer.address))).toBe('NotOwner');
    const admin = client(owner.privateKey);
    expect(await revertName(admin.addMember(buyer.address, 'again', 'z'))).toBe('AlreadyMember');
    expect(await revertName(admin.removeMember(outsider.address))).toBe('UnknownMember');
    await expect(client().pinBatch([b32(1)], [b32(1)])).rejects.toThrow(/no privateKey/);
  });

  it("stops a removed member from pinning and keeps the others' order", async () => {
    const admin = client(owner.privateKey);
    await admin.removeMember(seller.address);
    expect(await revertName(client(seller.privateKey).pinBatch([b32(1)], [b32(1)]))).toBe('NotMember');
    expect((await admin.members()).map((m) => m.name)).toEqual(['buyer', 'bank']);
    await admin.addMember(seller.address, 'seller', 'http://localhost:3002');
    expect((await admin.members()).map((m) => m.name)).toEqual(['buyer', 'bank', 'seller']);
  });
});
