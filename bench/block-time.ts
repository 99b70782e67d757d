import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LocalChain } from '../apps/network/local-chain.js';
import { freePort } from '../apps/network/ports.js';
import { DEV_ACCOUNTS } from '../apps/shared/chain/dev-accounts.js';
import { NewHeads } from '../apps/shared/chain/new-heads.js';
import { SequencerClient } from '../apps/shared/chain/sequencer.js';
import { loadConfig } from '../apps/shared/config.js';
import { openDatabase } from '../apps/shared/db/data-source.js';
import { sqlRows } from '../apps/shared/db/sql.js';
import { createLogger } from '../apps/shared/logger.js';
import { PROJECT_ROOT } from '../apps/shared/paths.js';
import { BlockSchedule } from '../apps/worker/outbox/block-schedule.js';
import { PinBatcher } from '../apps/worker/outbox/pin-batcher.js';
import { sleep, summarize, type LatencySummary } from './stats.js';

export interface BlockTimeLevel {
  blockMs: number;
  /** Pins queued per second, steadily, for `seconds`. */
  pinsPerSec: number;
  seconds: number;
  pins: number;
  /** Pins queued in the level but not mined by its end (expected 0). */
  notPinned: number;
  transactions: number;
  pinsPerTx: number;
  largestBatch: number;
  /** From a pin queued to its batch mined and marked pinned. */
  latency: LatencySummary;
}

export interface BlockTimeResult {
  levels: BlockTimeLevel[];
  note: string;
}

/**
 * The pinner on a chain that mines a block every few seconds, as production
 * chains do, instead of the local chain's block per transaction: a local
 * chain of its own with a block time (as `BATON_CHAIN_BLOCK_MS` sets it), a
 * Sequencer deployed on it, and a worker's PinBatcher (with the member
 * settings PIN_BATCH_MAX, PIN_LINGER_MS, PIN_BUSY_LINGER_MS and
 * PIN_SEND_AHEAD_MS) fed at a steady rate through its outbound queue in a
 * SQLite file of its own. As in a worker, the chain's heads feed the
 * batcher's BlockSchedule, so it sends just before each block: pins per
 * transaction come near the pin rate times the block time. Each level has a
 * batcher and schedule of its own (a chain does not change its block time).
 */
export async function pinsOnBlockTimes(
  dataDir: string,
  blockTimesMs: number[],
  blocksPerLevel: number,
  pinsPerSec: number,
  log: (line: string) => void,
): Promise<BlockTimeResult | { notMeasured: string }> {
  try {
    return await measure(dataDir, blockTimesMs, blocksPerLevel, pinsPerSec, log);
  } catch (err) {
    return {
      notMeasured: `failed: ${err instanceof Error ? err.message : String(err)}; see ${join(dataDir, 'block-time')}`,
    };
  }
}

async function measure(
  dataDir: string,
  blockTimesMs: number[],
  blocksPerLevel: number,
  pinsPerSec: number,
  log: (line: string) => void,
): Promise<BlockTimeResult> {
  const dir = join(dataDir, 'block-time');
  mkdirSync(dir, { recursive: true });
  const chain = await LocalChain.start({
    dataDir: join(dir, 'chain'),
    port: await freePort(),
    projectRoot: PROJECT_ROOT,
    log: () => {},
  });
  try {
    return await measureOn(chain, dir, blockTimesMs, blocksPerLevel, pinsPerSec, log);
  } finally {
    await chain.stop();
  }
}

async function measureOn(
  chain: LocalChain,
  dir: string,
  blockTimesMs: number[],
  blocksPerLevel: number,
  pinsPerSec: number,
  log: (line: string) => void,
): Promise<BlockTimeResult> {
  const quiet = createLogger('pinner', 'bench', 'warn');
  const [owner, member] = DEV_ACCOUNTS;
  const address = await SequencerClient.deploy(chain.rpcUrl, owner.privateKey);
  const ownerClient = new SequencerClient({ rpcUrl: chain.rpcUrl, address, privateKey: owner.privateKey });
  await ownerClient.addMember(member.address, 'pinner', 'http://127.0.0.1:1');
  ownerClient.destroy();
  const config = loadConfig({
    ...process.env,
    MEMBER_NAME: 'pinner',
    MEMBER_KEY: member.privateKey,
    SEQUENCER_ADDRESS: address,
    CHAIN_RPC_URL: chain.rpcUrl,
  });
  const ds = await openDatabase({ databaseUrl: '', sqlitePath: join(dir, 'baton.sqlite') }, true);
  const sequencer = new SequencerClient({ rpcUrl: chain.rpcUrl, address, privateKey: member.privateKey });
  let schedule = new BlockSchedule(config.pinSendAheadMs);
  const heads = new NewHeads(chain.wsUrl, (n) => n !== undefined && schedule.headSeen(), quiet);
  const queuedAt = new Map<string, number>();
  const pinnedAt = new Map<string, number>();
  let seenId = 0;
  const onPinned = () => {
    const at = Date.now();
    void sqlRows<{ id: number; messageId: string }>(
      ds,
      `SELECT "id", "messageId" FROM "outbound_pins" WHERE "state" = 'pinned' AND "id" > ? ORDER BY "id"`,
      [seenId],
    ).then((rows) => {
      for (const r of rows) pinnedAt.set(r.messageId, at);
      seenId = Math.max(seenId, ...rows.map((r) => r.id));
    });
  };
  const levels: BlockTimeLevel[] = [];
  heads.start();
  try {
    for (const blockMs of blockTimesMs) {
      await chain.setBlockTime(blockMs);
      schedule = new BlockSchedule(config.pinSendAheadMs);
      const batcher = new PinBatcher(ds, sequencer, quiet, {
        maxBatch: config.pinBatchMax,
        lingerMs: config.pinLingerMs,
        busyLingerMs: config.pinBusyLingerMs,
        idleMs: 1_000,
        schedule,
      });
      batcher.onPinned = onPinned;
      batcher.start();
      const seconds = (blockMs * blocksPerLevel) / 1000;
      const tag = `bench-block-time/${blockMs}`;
      log(`block time ${blockMs} ms: ${pinsPerSec} pins/s for ${seconds} s`);
      const ids: string[] = [];
      try {
        const began = Date.now();
        // Pins go into the queue as the clock says they are due, 20 ms at a time.
        while (Date.now() - began < seconds * 1000) {
          const due = Math.floor(((Date.now() - began) / 1000) * pinsPerSec) + 1 - ids.length;
          for (let i = 0; i < due; i++) {
            const messageId = `${tag}/${ids.length}`;
            ids.push(messageId);
            queuedAt.set(messageId, Date.now());
            await batcher.enqueue(hex32(), hex32(), messageId);
          }
          await sleep(20);
        }
        const deadline = Date.now() + 4 * blockMs + 30_000;
        while (ids.some((id) => !pinnedAt.has(id)) && Date.now() < deadline) await sleep(50);
      } finally {
        await batcher.stop();
      }
      const batches = await sqlRows<{ transactionHash: string; pins: number }>(
        ds,
        `SELECT "transactionHash", COUNT(*) AS "pins" FROM "outbound_pins"
         WHERE "state" = 'pinned' AND "messageId" LIKE ? GROUP BY "transactionHash"`,
        [`${tag}/%`],
      );
      const pinned = ids.filter((id) => pinnedAt.has(id));
      const pins = batches.reduce((n, b) => n + Number(b.pins), 0);
      levels.push({
        blockMs,
        pinsPerSec,
        seconds,
        pins,
        notPinned: ids.length - pinned.length,
        transactions: batches.length,
        pinsPerTx: batches.length ? Math.round((pins / batches.length) * 10) / 10 : 0,
        largestBatch: Math.max(0, ...batches.map((b) => Number(b.pins))),
        latency: summarize(pinned.map((id) => pinnedAt.get(id)! - queuedAt.get(id)!)),
      });
    }
  } finally {
    heads.stop();
    sequencer.destroy();
    await ds.destroy();
    await chain.setBlockTime(0);
  }
  return {
    levels,
    note:
      `one member's PinBatcher (PIN_BATCH_MAX ${config.pinBatchMax}, PIN_LINGER_MS ${config.pinLingerMs}, ` +
      `PIN_BUSY_LINGER_MS ${config.pinBusyLingerMs}, ` +
      `PIN_SEND_AHEAD_MS ${config.pinSendAheadMs}) ` +
      `on a local chain of its own that mines a block every interval, fed the chain's heads as a worker is, pins queued at a steady ${pinsPerSec}/s ` +
      `(a member's average pin rate at the busiest level above) for ${blocksPerLevel} blocks each`,
  };
}

function hex32(): string {
  return '0x' + randomBytes(32).toString('hex');
}
