import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import WebSocket from 'ws';
import { readJournal } from '../../apps/network/journal.js';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalChain, type LocalChainOptions } from '../../apps/network/local-chain.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { NewHeads } from '../../apps/shared/chain/new-heads.js';
import { createLogger } from '../../apps/shared/logger.js';
import { frameText } from '../../apps/shared/ws-frame.js';
import { SequencerClient, type PinnedBatch } from '../../apps/shared/chain/sequencer.js';
import { addDemoMembers, blockHashes, b32, freePort, projectRoot, tempDir } from './chain-helpers.js';

const [owner, buyer, seller, bank] = DEV_ACCOUNTS;

async function rpc(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return await res.json();
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LocalChain journal', () => {
  const logs: string[] = [];
  let opts: LocalChainOptions;
  let chain: LocalChain | undefined;
  afterAll(async () => {
    await chain?.stop();
    await rm(opts.dataDir, { recursive: true, force: true });
  });

  it('replays to the same chain after a restart and continues the sequence', async () => {
    opts = {
      dataDir: await tempDir('chain'),
      port: await freePort(),
      nodePort: await freePort(),
      projectRoot,
      log: (l) => logs.push(l),
    };
    chain = await LocalChain.start(opts);
    expect(chain.replayed).toBe(0);
    expect(chain.height).toBe(0);

    const address = await SequencerClient.deploy(chain.rpcUrl, owner.privateKey);
    const admin = new SequencerClient({
      rpcUrl: chain.rpcUrl,
      address,
      privateKey: owner.privateKey,
    });
    await addDemoMembers(admin);
    const pinners = [buyer, seller, bank, buyer].map(
      (a) =>
        new SequencerClient({
          rpcUrl: chain!.rpcUrl,
          address,
          privateKey: a.privateKey,
        }),
    );
    for (const [i, p] of pinners.entries())
      await p.pinBatch([b32('proc'), b32(`ctx${i}`)], [b32(`x${i}`), b32(`y${i}`)]);
    const before: PinnedBatch[] = await admin.batchesBetween(0, await admin.blockNumber());
    const height = chain.height;
    expect(height).toBe(8); // deploy, 3 addMember, 4 pins: one transaction per block
    expect(await admin.blockNumber()).toBe(height);
    const hashes = await blockHashes(chain.rpcUrl, height);
    for (const c of [admin, ...pinners]) c.destroy();
    await chain.stop();
    chain = undefined;

    const journal = (await readFile(join(opts.dataDir, 'journal.jsonl'), 'utf8')).trim().split('\n');
    expect(journal).toHaveLength(8);
    await appendFile(join(opts.dataDir, 'journal.jsonl'), '{"raw":"0x02f8'); // a crash mid-write

    chain = await LocalChain.start(opts);
    expect(chain.replayed).toBe(8);
    expect(chain.height).toBe(height);
    expect(logs.some((l) => l.includes('torn last line'))).toBe(true);
    const reader = new SequencerClient({
      rpcUrl: chain.rpcUrl,
      address,
      privateKey: seller.privateKey,
    });
    expect(await reader.hasCode()).toBe(true);
    expect(await reader.blockNumber()).toBe(height);
    expect(await reader.batchesBetween(0, height)).toEqual(before);
    expect(await blockHashes(chain.rpcUrl, height)).toEqual(hashes);
    expect((await reader.members()).map((m) => m.name)).toEqual(['buyer', 'seller', 'bank']);

    const next = await reader.pinBatch([b32('proc')], [b32('z')]);
    expect(next.sequence).toBe(5);
    expect(next.firstPin).toBe(9);
    expect(next.blockNumber).toBe(height + 1);
    expect(chain.height).toBe(height + 1);
    reader.destroy();
  }, 120_000);

  it('refuses unjournaled writes and answers batch requests', async () => {
    const url = chain!.rpcUrl;
    const refused = (await rpc(url, {
      jsonrpc: '2.0',
      id: 7,
      method: 'eth_sendTransaction',
      params: [{ from: owner.address }],
    })) as {
      id: number;
      error: { message: string };
    };
    expect(refused.id).toBe(7);
    expect(refused.error.message).toMatch(/eth_sendRawTransaction/);
    const mine = (await rpc(url, {
      jsonrpc: '2.0',
      id: 8,
      method: 'evm_mine',
      params: [],
    })) as { error?: unknown };
    expect(mine.error).toBeDefined();

    const batch = (await rpc(url, [
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] },
    ])) as { id: number; result: string }[];
    expect(batch.map((r) => [r.id, Number(r.result)])).toEqual([
      [1, 31337],
      [2, chain!.height],
    ]);
  });

  it('refuses a future nonce, which could not be mined alone in its block', async () => {
    const provider = new JsonRpcProvider(chain!.rpcUrl, undefined, {
      staticNetwork: true,
    });
    const wallet = new Wallet(bank.privateKey, provider);
    const nonce = (await wallet.getNonce()) + 3;
    const raw = await wallet.signTransaction(await wallet.populateTransaction({ to: owner.address, value: 1, nonce }));
    const res = (await rpc(chain!.rpcUrl, {
      jsonrpc: '2.0',
      id: 1,
      method: 'eth_sendRawTransaction',
      params: [raw],
    })) as { error?: { message: string } };
    expect(res.error?.message).toMatch(/nonce too high/i);
    // Dropped, not left waiting in the node's mempool to be mined later beside another transaction.
    const height = chain!.height;
    const next = await wallet.sendTransaction({ to: owner.address, value: 1 });
    expect((await next.wait())?.blockNumber).toBe(height + 1);
    expect(chain!.height).toBe(height + 1);
    expect(
      await rpc(chain!.rpcUrl, {
        jsonrpc: '2.0',
        id: 2,
        method: 'eth_getTransactionCount',
        params: [bank.address, 'pending'],
      }),
    ).toMatchObject({ result: `0x${(nonce - 2).toString(16)}` });
    provider.destroy();
  });

  it('announces each journaled block to newHeads subscribers over WebSocket; NewHeads follows across a restart', async () => {
    const url = chain!.rpcUrl;
    const overHttp = (await rpc(url, { jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })) as {
      error?: { message: string };
    };
    expect(overHttp.error?.message).toMatch(/needs a WebSocket connection/);

    const socket = new WebSocket(chain!.wsUrl);
    const frames: { id?: number; result?: unknown; error?: { message: string }; params?: { result: unknown } }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as (typeof frames)[number]));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newPendingTransactions'] }));
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['newHeads'] }));
    await until(() => frames.length === 2);
    expect(frames.find((f) => f.id === 1)?.error?.message).toMatch(/only newHeads and logs/);
    expect(frames.find((f) => f.id === 2)?.result).toMatch(/^0x[0-9a-f]{32}$/);

    let announced = 0;
    const follower = new NewHeads(chain!.wsUrl, () => announced++, createLogger('test', 'bank', 'error'));
    follower.start();
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    try {
      await until(() => follower.live);
      expect(announced).toBe(1); // once subscribed: the reader catches up on what it may have missed
      const tx = await new Wallet(bank.privateKey, provider).sendTransaction({ to: owner.address, value: 1 });
      const receipt = await tx.wait();
      await until(() => announced === 2 && frames.length === 3);
      const head = frames[2].params?.result as { number: string; hash: string };
      expect(Number(head.number)).toBe(receipt!.blockNumber);
      expect(head.hash).toBe(receipt!.blockHash);
      expect(chain!.height).toBe(receipt!.blockNumber);

      // The chain goes away and comes back on the same port: the follower says so and subscribes again.
      await chain!.stop();
      chain = undefined;
      await until(() => !follower.live);
      chain = await LocalChain.start(opts);
      await until(() => follower.live, 30_000);
      expect(announced).toBe(3);
    } finally {
      follower.stop();
      socket.terminate();
      provider.destroy();
    }
  }, 60_000);

  it("pushes a block's matching logs to logs subscribers before announcing its head", async () => {
    const address = await SequencerClient.deploy(chain!.rpcUrl, owner.privateKey);
    const admin = new SequencerClient({ rpcUrl: chain!.rpcUrl, address, privateKey: owner.privateKey });
    const pinner = new SequencerClient({ rpcUrl: chain!.rpcUrl, address, privateKey: buyer.privateKey });
    const socket = new WebSocket(chain!.wsUrl);
    const followers: NewHeads[] = [];
    const frames: {
      id?: number;
      result?: unknown;
      error?: { message: string };
      params?: { subscription: string; result: unknown };
    }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as (typeof frames)[number]));
    try {
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const subscribe = (id: number, params: unknown[]) =>
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_subscribe', params }));
      subscribe(1, ['logs', { address: 'not an address' }]);
      subscribe(2, ['logs', { topics: 'not a list' }]);
      subscribe(3, ['logs', pinner.batchLogFilter()]);
      subscribe(4, ['logs', { address, topics: [[`0x${'00'.repeat(32)}`]] }]); // another event: never matches
      subscribe(5, ['newHeads']);
      await until(() => frames.length === 5);
      expect(frames.find((f) => f.id === 1)?.error?.message).toMatch(/filter.address/);
      expect(frames.find((f) => f.id === 2)?.error?.message).toMatch(/filter.topics/);
      const [logs, other, heads] = [3, 4, 5].map((id) => frames.find((f) => f.id === id)?.result as string);
      // A worker's follower: logs handed over before their head; one whose logs filter the chain refuses still follows heads.
      const seen: string[] = [];
      const refusedSeen: string[] = [];
      const quiet = createLogger('test', 'bank', 'error');
      const onHead = (into: string[]) => (n?: number) => void (n !== undefined && into.push(`head ${n}`));
      followers.push(
        new NewHeads(chain!.wsUrl, onHead(seen), quiet, undefined, {
          filter: pinner.batchLogFilter(),
          onLog: (log) =>
            seen.push(`log ${pinner.toBatch(log as Parameters<SequencerClient['toBatch']>[0])?.sequence}`),
        }),
        new NewHeads(chain!.wsUrl, onHead(refusedSeen), quiet, undefined, {
          filter: { address: 'nowhere' },
          onLog: (log) => refusedSeen.push(`log ${JSON.stringify(log)}`),
        }),
      );
      for (const f of followers) f.start();
      await until(() => followers.every((f) => f.live));

      await admin.addMember(buyer.address, 'buyer', 'http://localhost:3001');
      const batch = await pinner.pinBatch([b32('proc')], [b32('pushed')]);
      await until(() => frames.filter((f) => f.params?.subscription === heads).length === 2);
      await until(() => seen.length === 3 && refusedSeen.length === 2);
      expect(seen).toEqual([`head ${batch.blockNumber - 1}`, `log ${batch.sequence}`, `head ${batch.blockNumber}`]);
      expect(refusedSeen).toEqual([`head ${batch.blockNumber - 1}`, `head ${batch.blockNumber}`]);
      const notes = frames.slice(5).map((f) => ({ subscription: f.params!.subscription, result: f.params!.result }));
      // The pin's block: its BatchPinned log first, then its head; nothing for the filter no log matches.
      expect(notes.map((n) => n.subscription)).toEqual([heads, logs, heads]);
      expect(notes.some((n) => n.subscription === other)).toBe(false);
      const [read] = await pinner.batchesBetween(batch.blockNumber, batch.blockNumber);
      expect(read).toMatchObject({
        sequence: batch.sequence,
        firstPin: batch.firstPin,
        blockNumber: batch.blockNumber,
      });
      expect(pinner.toBatch(notes[1].result as Parameters<SequencerClient['toBatch']>[0])).toEqual(read);
      expect(Number((notes[2].result as { number: string }).number)).toBe(batch.blockNumber);
    } finally {
      for (const f of followers) f.stop();
      socket.terminate();
      admin.destroy();
      pinner.destroy();
    }
  }, 60_000);

  it('fails loudly on a damaged journal line that is not the last', async () => {
    const file = join(opts.dataDir, 'damaged.jsonl');
    const line = JSON.stringify({
      raw: '0x01',
      hash: '0x02',
      block: 1,
      timestamp: 5,
    });
    await writeFile(file, `${line}\nnot json\n${line}\n`);
    await expect(readJournal(file, () => {})).rejects.toThrow(/line 2/);
  });

  it('fails clearly when the port is taken', async () => {
    const dataDir = await tempDir('clash');
    const clash = LocalChain.start({
      ...opts,
      dataDir,
      nodePort: await freePort(),
    });
    await expect(clash).rejects.toThrow(/JSON-RPC port .* is not available/);
    await rm(dataDir, { recursive: true, force: true });
  });
});
