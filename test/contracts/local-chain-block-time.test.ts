import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../apps/network/journal.js';
import { LocalChain, type LocalChainOptions } from '../../apps/network/local-chain.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { SequencerClient } from '../../apps/shared/chain/sequencer.js';
import { addDemoMembers, blockHashes, b32, freePort, projectRoot, tempDir } from './chain-helpers.js';

const [owner, buyer, seller, bank] = DEV_ACCOUNTS;
const journalOf = (opts: LocalChainOptions) => join(opts.dataDir, 'journal.jsonl');

/** The hardhat node behind the chain: the process whose command line names its internal port. */
function nodePid(nodePort: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      if (
        cmdline.some((a) => a.endsWith('cli.js')) &&
        cmdline.join(' ').includes(`node --hostname 127.0.0.1 --port ${nodePort}`)
      )
        return Number(entry);
    } catch {
      continue; // gone meanwhile
    }
  }
  throw new Error(`no hardhat node on port ${nodePort}`);
}

/**
 * The local chain with a block time (BATON_CHAIN_BLOCK_MS): transactions are
 * acknowledged from the mempool and mined together, a block each interval,
 * as on a production chain, and still journaled before readers see them.
 */
describe('LocalChain with a block time', () => {
  const logs: string[] = [];
  let opts: LocalChainOptions;
  let chain: LocalChain | undefined;
  let address: string;
  const clients: SequencerClient[] = [];
  const client = (key: string) => {
    const c = new SequencerClient({ rpcUrl: chain!.rpcUrl, address, privateKey: key });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    opts = {
      dataDir: await tempDir('chain-blocks'),
      port: await freePort(),
      nodePort: await freePort(),
      projectRoot,
      blockMs: 1_000,
      log: (l) => logs.push(l),
    };
    chain = await LocalChain.start(opts);
    address = await SequencerClient.deploy(chain.rpcUrl, owner.privateKey);
    const admin = client(owner.privateKey);
    await addDemoMembers(admin);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await chain?.stop();
  });

  it('mines the transactions of an interval in one block, journals it as one, and replays it to the same hashes', async () => {
    const pinners = [buyer, seller, bank].map((a) => client(a.privateKey));
    const batches = await Promise.all(pinners.map((p, i) => p.pinBatch([b32('proc')], [b32(`together${i}`)])));
    const block = batches[0].blockNumber;
    expect(batches.map((b) => b.blockNumber)).toEqual([block, block, block]);
    expect(batches.map((b) => b.sequence).sort()).toEqual([1, 2, 3]);
    expect(chain!.height).toBe(block);
    const journal = await readJournal(journalOf(opts), () => {});
    expect(journal.slice(-3).map((e) => [e.block, e.blockTxs])).toEqual([
      [block, 3],
      [block, 3],
      [block, 3],
    ]);
    const hashes = await blockHashes(chain!.rpcUrl, block);
    const before = await pinners[0].batchesBetween(0, block);

    await chain!.stop();
    chain = await LocalChain.start(opts);
    expect(chain.replayed).toBe(journal.length);
    expect(chain.height).toBe(block);
    expect(await blockHashes(chain.rpcUrl, block)).toEqual(hashes);
    expect(await client(owner.privateKey).batchesBetween(0, block)).toEqual(before);
  }, 60_000);

  it('drops a last block whose lines were cut short, as no reader saw it', async () => {
    const height = chain!.height;
    await chain!.stop();
    chain = undefined;
    const lines = (await readFile(journalOf(opts), 'utf8')).trimEnd().split('\n');
    await writeFile(journalOf(opts), lines.slice(0, -1).join('\n') + '\n'); // two of the block's three lines
    chain = await LocalChain.start(opts);
    expect(logs.some((l) => /torn last block \d+ \(2 of its 3 transactions\)/.test(l))).toBe(true);
    expect(chain.height).toBe(height - 1);
    expect(await readJournal(journalOf(opts), () => {})).toHaveLength(lines.length - 3);
    const again = await client(buyer.privateKey).pinBatch([b32('proc')], [b32('after the cut')]);
    expect(again.blockNumber).toBe(height);
  }, 60_000);

  it("refuses a nonce past the sender's next one, which could wait forever", async () => {
    const provider = new JsonRpcProvider(chain!.rpcUrl, undefined, { staticNetwork: true });
    try {
      const wallet = new Wallet(bank.privateKey, provider);
      const nonce = (await wallet.getNonce('pending')) + 2;
      const raw = await wallet.signTransaction(
        await wallet.populateTransaction({ to: owner.address, value: 1, nonce }),
      );
      await expect(provider.send('eth_sendRawTransaction', [raw])).rejects.toThrow(/nonce too high/);
    } finally {
      provider.destroy();
    }
  });

  it('leaves a transaction the node will not mine yet waiting, and drops it before mining at once again', async () => {
    await chain!.setBlockTime(600_000);
    const provider = new JsonRpcProvider(chain!.rpcUrl, undefined, { staticNetwork: true });
    try {
      const wallet = new Wallet(bank.privateKey, provider);
      const { baseFeePerGas } = (await provider.getBlock('latest'))!;
      // A fee cap under the base fee: valid, but no block takes it until the base fee falls.
      const cheap = await wallet.sendTransaction({
        to: owner.address,
        value: 1,
        maxFeePerGas: baseFeePerGas! / 2n,
        maxPriorityFeePerGas: 1n,
      });
      const height = chain!.height;
      const other = await new Wallet(seller.privateKey, provider).sendTransaction({ to: owner.address, value: 2 });
      await chain!.setBlockTime(0); // mines what it can (one block), drops the rest
      expect((await provider.getTransactionReceipt(other.hash))?.blockNumber).toBe(height + 1);
      expect(chain!.height).toBe(height + 1);
      expect(await provider.getTransaction(cheap.hash)).toBeNull();
      expect(logs.some((l) => l.includes(`transaction ${cheap.hash} could not be mined`))).toBe(true);
      // The next transaction is mined alone: nothing was left to share its block.
      const next = await wallet.sendTransaction({ to: owner.address, value: 3 });
      const receipt = await next.wait();
      expect(receipt?.blockNumber).toBe(height + 2);
      expect((await provider.getBlock(height + 2))?.transactions).toEqual([next.hash]);
    } finally {
      provider.destroy();
    }
  }, 60_000);

  it('keeps waiting transactions across a node crash and mines them when the block time is switched off', async () => {
    await chain!.setBlockTime(600_000); // no block comes by itself during the test
    const provider = new JsonRpcProvider(chain!.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50 });
    try {
      const height = chain!.height;
      const sent = await new Wallet(seller.privateKey, provider).sendTransaction({ to: owner.address, value: 7 });
      expect(await provider.getTransactionReceipt(sent.hash)).toBeNull();
      process.kill(nodePid(opts.nodePort!), 'SIGKILL');
      await expect.poll(() => logs.some((l) => l.includes('node restarted')), { timeout: 60_000 }).toBe(true);
      expect(chain!.height).toBe(height);
      await chain!.setBlockTime(0);
      const receipt = await provider.getTransactionReceipt(sent.hash);
      expect(receipt?.blockNumber).toBe(height + 1);
      expect(chain!.height).toBe(height + 1);
      // Each transaction mined alone and at once again.
      const alone = await client(bank.privateKey).pinBatch([b32('proc')], [b32('alone')]);
      expect(alone.blockNumber).toBe(height + 2);
      expect((await readJournal(journalOf(opts), () => {})).at(-1)).toMatchObject({ block: height + 2 });
    } finally {
      provider.destroy();
    }
  }, 90_000);
});
