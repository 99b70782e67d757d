import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HardhatNode } from './hardhat-node.js';
import { assertPortFree } from './ports.js';
import { JournalWriter, readJournal, type JournalEntry } from './journal.js';
import { JournalingProxy } from './journaling-proxy.js';
import { call } from './json-rpc.js';

export interface LocalChainOptions {
  /** The journal lives in `${dataDir}/journal.jsonl`. */
  dataDir: string;
  /** Host for both the public endpoint and the internal node; default 127.0.0.1. */
  host?: string;
  /** Public JSON-RPC port. */
  port: number;
  /** Internal hardhat node port; default port + 1000. */
  nodePort?: number;
  projectRoot: string;
  /** 0 (the default): each transaction is mined alone, at once. More: a block every `blockMs` with the transactions sent meanwhile. */
  blockMs?: number;
  log?: (line: string) => void;
}

interface Receipt {
  blockNumber: string;
  transactionHash: string;
}

/**
 * The embedded chain for `npm start` and end-to-end tests: a `hardhat node`
 * (which keeps no state across restarts) behind a proxy that journals every
 * transaction. On start the journal is replayed, block by block, with the
 * recorded timestamps and a pinned genesis date, so block numbers, log
 * indices and block hashes come out exactly as in the original run.
 *
 * @example
 *   const chain = await LocalChain.start({ dataDir: ".baton/chain", port: 8545, projectRoot });
 *   // ... use chain.rpcUrl ...
 *   await chain.stop();
 */
export class LocalChain {
  readonly rpcUrl: string;
  /** The same endpoint for JSON-RPC over WebSocket (eth_subscribe newHeads). */
  readonly wsUrl: string;
  private stopping = false;
  private restarting?: Promise<void>;

  private constructor(
    private node: HardhatNode,
    private readonly proxy: JournalingProxy,
    private readonly journal: JournalWriter,
    readonly replayed: number,
    private readonly opts: LocalChainOptions & { host: string; genesisDate: string },
    private readonly log: (line: string) => void,
  ) {
    this.rpcUrl = `http://${opts.host}:${opts.port}`;
    this.wsUrl = `ws://${opts.host}:${opts.port}`;
    this.supervise();
  }

  /** The highest journaled block: what readers see as the chain head. */
  get height(): number {
    return this.proxy.journaledHeight;
  }

  static async start(opts: LocalChainOptions): Promise<LocalChain> {
    const host = opts.host ?? '127.0.0.1';
    const log = opts.log ?? ((line: string) => console.log(line));
    await mkdir(opts.dataDir, { recursive: true });
    await assertPortFree(host, opts.port, 'JSON-RPC');
    const journalFile = join(opts.dataDir, 'journal.jsonl');
    const entries = await readJournal(journalFile, log);
    const full = { ...opts, host, genesisDate: await genesisDate(opts.dataDir, entries) };
    const node = await startNode(full, entries);
    let journal: JournalWriter | undefined;
    let proxy: JournalingProxy | undefined;
    try {
      const height = entries.length > 0 ? entries[entries.length - 1].block : 0;
      const head = await call<{ timestamp: string }>(node.url, 'eth_getBlockByNumber', [
        `0x${height.toString(16)}`,
        false,
      ]);
      journal = await JournalWriter.open(journalFile);
      proxy = new JournalingProxy(node.url, journal, height, Number(head.timestamp), log);
      if (opts.blockMs) await proxy.setBlockTime(opts.blockMs);
      await proxy.listen(host, opts.port);
      const blocks = opts.blockMs ? `a block every ${opts.blockMs} ms` : 'each transaction mined at once';
      log(
        `local chain: ${entries.length} transactions replayed, height ${height}, ${blocks}, JSON-RPC at http://${host}:${opts.port}`,
      );
      return new LocalChain(node, proxy, journal, entries.length, full, log);
    } catch (err) {
      // Stops the block timer too, when the port was taken after a block time was set.
      await proxy?.close().catch(() => undefined);
      await journal?.close();
      await node.stop();
      throw err;
    }
  }

  /** See LocalChainOptions.blockMs; switching to 0 mines the transactions still waiting. */
  async setBlockTime(ms: number): Promise<void> {
    await this.proxy.setBlockTime(ms);
  }

  /** From now on a node that exits is not restarted (Ctrl-C reaches the node too). */
  stopSupervising(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting;
    await this.proxy.close();
    await this.journal.close();
    await this.node.stop();
  }

  /**
   * A node that dies (crash, kill -9) is started again and the journal
   * replayed into it, on the same port; meanwhile the public endpoint refuses
   * every request, so no reader mistakes the missing blocks for empty ones
   * and no transaction lands before the replay is complete.
   */
  private supervise(): void {
    void this.node.exited.then(async () => {
      // Ctrl-C reaches the node and the launcher at once: give the launcher a moment to say it is stopping.
      await sleep(1_000);
      if (!this.stopping) this.restarting = this.restartNode();
    });
  }

  private async restartNode(): Promise<void> {
    this.log('local chain: the hardhat node exited; restarting it and replaying the journal');
    await this.proxy.suspend('the hardhat node is restarting');
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const entries = await readJournal(join(this.opts.dataDir, 'journal.jsonl'), this.log);
        this.node = await startNode(this.opts, entries);
        await this.proxy.nodeRestarted();
        this.log(`local chain: node restarted, ${entries.length} transactions replayed`);
        this.proxy.resume();
        this.supervise();
        return;
      } catch (err) {
        this.log(`local chain: restart attempt ${attempt} failed: ${(err as Error).message}`);
        await sleep(Math.min(1_000 * attempt, 10_000));
      }
    }
  }
}

/** Starts the hardhat node on the internal port and replays the journal into it. */
async function startNode(
  opts: LocalChainOptions & { host: string; genesisDate: string },
  entries: JournalEntry[],
): Promise<HardhatNode> {
  const node = await HardhatNode.start({
    projectRoot: opts.projectRoot,
    host: opts.host,
    port: opts.nodePort ?? opts.port + 1000,
    logFile: join(opts.dataDir, 'hardhat-node.log'),
    genesisDate: opts.genesisDate,
  });
  try {
    await replay(node.url, entries, join(opts.dataDir, 'journal.jsonl'));
    return node;
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/**
 * Replayed blocks keep their recorded timestamps, which must be later than
 * genesis; pinning the genesis date (chosen on first start) also makes every
 * block hash identical to the original run.
 */
async function genesisDate(dataDir: string, entries: JournalEntry[]): Promise<string> {
  const file = join(dataDir, 'chain.json');
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { genesisDate: string }).genesisDate;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const seconds = entries.length > 0 ? entries[0].timestamp - 1 : Math.floor(Date.now() / 1000);
  const date = new Date(seconds * 1000).toISOString();
  await writeFile(file, JSON.stringify({ genesisDate: date }) + '\n');
  return date;
}

async function replay(nodeUrl: string, entries: JournalEntry[], journalFile: string): Promise<void> {
  for (let i = 0; i < entries.length;) {
    const { block, timestamp } = entries[i];
    let end = i + 1;
    while (end < entries.length && entries[end].block === block) end++;
    const txs = entries.slice(i, end);
    const where = `${journalFile} block ${block} (from entry ${i + 1}, tx ${txs[0].hash})`;
    try {
      if (txs.length === 1) await replayAlone(nodeUrl, txs[0]);
      else await replayTogether(nodeUrl, block, timestamp, txs);
    } catch (err) {
      throw new Error(`journal replay diverged at ${where}: ${(err as Error).message}`, { cause: err });
    }
    i = end;
  }
}

async function replayAlone(nodeUrl: string, e: JournalEntry): Promise<void> {
  await call(nodeUrl, 'evm_setNextBlockTimestamp', [e.timestamp]);
  const hash = await call<string>(nodeUrl, 'eth_sendRawTransaction', [e.raw]);
  const receipt = await call<Receipt | null>(nodeUrl, 'eth_getTransactionReceipt', [hash]);
  if (hash.toLowerCase() !== e.hash.toLowerCase()) throw new Error(`node computed hash ${hash}`);
  if (!receipt || Number(receipt.blockNumber) !== e.block) {
    throw new Error(`mined in block ${receipt ? Number(receipt.blockNumber) : 'none'}`);
  }
}

/** A block of a chain with a block time: its transactions into the mempool in the block's order, then one block. */
async function replayTogether(nodeUrl: string, block: number, timestamp: number, txs: JournalEntry[]): Promise<void> {
  await call(nodeUrl, 'evm_setAutomine', [false]);
  try {
    for (const e of txs) {
      const hash = await call<string>(nodeUrl, 'eth_sendRawTransaction', [e.raw]);
      if (hash.toLowerCase() !== e.hash.toLowerCase()) throw new Error(`node computed hash ${hash} for ${e.hash}`);
    }
    await call(nodeUrl, 'evm_setNextBlockTimestamp', [timestamp]);
    await call(nodeUrl, 'evm_mine');
    const mined = await call<{ number: string; transactions: string[] }>(nodeUrl, 'eth_getBlockByNumber', [
      'latest',
      false,
    ]);
    const got = mined.transactions.map((h) => h.toLowerCase());
    const want = txs.map((e) => e.hash.toLowerCase());
    if (Number(mined.number) !== block || got.join() !== want.join())
      throw new Error(`mined block ${Number(mined.number)} with [${got.join(', ')}], journaled [${want.join(', ')}]`);
  } finally {
    await call(nodeUrl, 'evm_setAutomine', [true]);
  }
}
