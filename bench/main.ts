import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_MEMBERS, LocalNetwork, localNetworkOptionsFromEnv } from '../apps/network/local-network.js';
import { PROJECT_ROOT } from '../apps/shared/paths.js';
import { measureBaton } from './baton-level.js';
import { runBatonTrade } from './baton-load.js';
import { pinsOnBlockTimes } from './block-time.js';
import { ChainWatch } from './chain-watch.js';
import { closedLoop, type LevelResult } from './closed-loop.js';
import { ledgerBurst } from './ledger-burst.js';
import { MODES } from './modes.js';
import { Observer } from './observer.js';
import { PlainTemporal } from './plain-load.js';
import {
  cpuBetween,
  cpuRate,
  filesSize,
  networkProcesses,
  perProcess,
  sample,
  withHeap,
  type ProcSample,
} from './procs.js';
import { REBUILD_NAMESPACE, rebuildFromBlock0 } from './rebuild.js';
import { replayDurable } from './replay.js';
import { writeReports } from './report.js';
import { machineInfo, type BatonLevel, type BenchResults } from './results.js';
import { waitUntilSettled } from './settle.js';
import { sleep } from './stats.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** `npm run bench [-- --quick | --soak]`: starts a fresh local network, measures, stops it, writes the results. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = MODES[args.includes('--soak') ? 'soak' : args.includes('--quick') ? 'quick' : 'full'];
  const dataDir = process.env.BATON_DATA_DIR ?? join(PROJECT_ROOT, 'bench', '.data');
  rmSync(dataDir, { recursive: true, force: true });
  const options = {
    ...localNetworkOptionsFromEnv({ ...process.env, BATON_DATA_DIR: dataDir }, (l) => log(l)),
    extraNamespaces: [REBUILD_NAMESPACE],
  };
  const network = new LocalNetwork(options);
  const began = Date.now();
  log(`mode ${mode.name}; starting the local network in ${dataDir}`);
  await network.start();
  const temporalAddress = `127.0.0.1:${options.temporalPort}`;
  const plain = await PlainTemporal.start(temporalAddress, dataDir, DEMO_MEMBERS);
  const gateways = Object.fromEntries(DEMO_MEMBERS.map((m) => [m, network.gatewayUrl(m)]));
  const observer = await Observer.start({ gateways, rpcUrl: network.chainUrl, wsUrl: network.chainWsUrl });
  const chain = new ChainWatch(network.chainUrl, network.sequencer);
  const procs = await networkProcesses(dataDir, plain.pids);
  const dbFiles = DEMO_MEMBERS.flatMap((m) =>
    ['', '-wal', '-shm'].map((s) => join(dataDir, 'members', m, `baton.sqlite${s}`)),
  );
  const metricsUrls = Object.fromEntries(
    DEMO_MEMBERS.flatMap((m) => [
      [`${m} worker`, `${network.workerMetricsUrl(m)}/metrics`],
      [`${m} gateway`, `${network.gatewayUrl(m)}/metrics`],
    ]),
  );
  const baton = () => runBatonTrade(gateways.buyer, observer);
  const plainOne = () => plain.runOne();
  const settle = async (when: string) => {
    if (!(await waitUntilSettled(gateways, () => chain.blockNumber())))
      log(`${when}: pins still in flight after 2 minutes; going on`);
  };
  try {
    log('warming up');
    await closedLoop(5, 3_000, baton);
    await closedLoop(5, 3_000, plainOne);
    await settle('after warm-up');
    // The benchmark's own block watch rests meanwhile: the window shows the network's polling loops.
    log(`idle: ${mode.idleMs / 1000} s with nothing in flight`);
    observer.watchBlocks(false);
    const idleStart = await sample(procs);
    const idleFrom = Date.now();
    await sleep(mode.idleMs);
    const idleCpuMsPerSec = cpuRate(idleStart, await sample(procs), Date.now() - idleFrom);
    observer.watchBlocks(true);
    log(`idle CPU ms/s: ${JSON.stringify(idleCpuMsPerSec)}`);
    const dbAtStart = await filesSize(dbFiles);

    const batonLevels: BatonLevel[] = [];
    const plainLevels: LevelResult[] = [];
    for (const c of mode.levels) {
      batonLevels.push(await measureBaton(c, mode.levelMs, baton, { observer, chain, procs, metricsUrls }));
      log(`baton   c=${c}: ${fmt(batonLevels.at(-1)!)}`);
      const before = await sample(procs);
      const p = await closedLoop(c, mode.levelMs, plainOne);
      plainLevels.push({
        ...p,
        cpuMsPerProcess: perProcess(cpuBetween(before, await sample(procs)), p.completed),
      } as LevelResult);
      log(`plain   c=${c}: ${fmt(p)}`);
    }

    const { inFlight, blockMs } = mode.onBlockTime;
    log(`baton   c=${inFlight} with a block every ${blockMs / 1000} s`);
    let onBlockTime: BenchResults['onBlockTime'];
    try {
      await network.setChainBlockTime(blockMs);
      const level = await measureBaton(inFlight, mode.levelMs, baton, { observer, chain, procs, metricsUrls });
      onBlockTime = { ...level, blockMs };
      log(`baton   c=${inFlight} on ${blockMs / 1000} s blocks: ${fmt(level)}, ${level.pinsPerTx} pins/tx`);
    } catch (err) {
      onBlockTime = { notMeasured: (err as Error).message };
      log(`baton on a chain with a block time: not measured: ${(err as Error).message}`);
    } finally {
      await network.setChainBlockTime(0);
    }

    let soak: BenchResults['soak'];
    if (mode.soakMs > 0) soak = await runSoak(mode.soakMs, baton, procs, dbFiles, metricsUrls);
    await sleep(3_000);
    const idleEnd = await sample(procs);
    const dbAtEnd = await filesSize(dbFiles);
    await settle('after the load');
    log('rebuild: a second buyer worker reads the chain from block 0 into an empty database');
    const rebuilt = await rebuildFromBlock0(network, () => chain.blockNumber(), { log });
    log(`rebuild: ${JSON.stringify(rebuilt)}`);
    log(`replay: ${mode.replayEvents} synthetic events through a durable subscription`);
    const replayed = await replayDurable(
      gateways.buyer,
      join(dataDir, 'members', 'buyer', 'baton.sqlite'),
      mode.replayEvents,
    );
    // Last: its synthetic pins stay pending at every member (nobody holds their data).
    log(`ledger burst: ${mode.burstPins} pins queued at once at the buyer`);
    const burst = await ledgerBurst(join(dataDir, 'members', 'buyer', 'baton.sqlite'), chain, mode.burstPins);
    log(`ledger burst: ${JSON.stringify(burst)}`);
    const blockTimes = await pinsOnBlockTimes(
      dataDir,
      mode.blockTimesMs,
      mode.blocksPerLevel,
      memberPinRate(batonLevels, DEMO_MEMBERS.length),
      log,
    );
    const shown =
      'levels' in blockTimes
        ? blockTimes.levels.map(({ latency, ...l }) => ({ ...l, p99: latency.p99Ms }))
        : blockTimes;
    log(`block times: ${JSON.stringify(shown)}`);
    const results: BenchResults = {
      mode: mode.name,
      startedAt: new Date(began).toISOString(),
      durationS: Math.round((Date.now() - began) / 1000),
      machine: machineInfo(),
      settings: {
        ...pick(process.env, [
          'PIN_BATCH_MAX',
          'PIN_LINGER_MS',
          'PIN_BUSY_LINGER_MS',
          'LEDGER_POLL_MS',
          'WS_MAX_FRAMES_PER_SECOND',
        ]),
        BATON_TEMPORAL_NICE: String(options.temporalNice),
      },
      baton: batonLevels,
      plainTemporal: plainLevels,
      ...headline(batonLevels, plainLevels),
      deliveryVia: observer.durable
        ? 'durable WebSocket subscription, one ack per event'
        : 'ephemeral WebSocket subscription (no durable subscriptions in this build)',
      // The goal's replay is a member catching up with the ledger: the rebuild when it was measured.
      ledgerBurst: burst,
      blockTimes,
      onBlockTime,
      replayEventsPerSec: ('eventsPerSec' in rebuilt ? rebuilt.eventsPerSec : replayed?.eventsPerSec) ?? null,
      idleCpuMsPerSec,
      idleWindowS: mode.idleMs / 1000,
      replay: {
        rebuildFromBlock0: rebuilt,
        durableSubscriptionFromOldest: replayed ?? {
          notMeasured: 'needs durable WebSocket subscriptions with acks (branch events-subs)',
        },
      },
      memory: {
        idleStart,
        idleEnd,
        dbBytesStart: dbAtStart,
        dbBytesEnd: dbAtEnd,
      },
      soak,
    };
    await writeReports(results);
    log(
      `done: throughputRatio ${results.throughputRatio}, pinsPerTx ${results.pinsPerTx}, deliveryP99Ms ${results.deliveryP99Ms}`,
    );
  } finally {
    await observer.close();
    chain.destroy();
    await plain.stop();
    await network.stop();
  }
}

async function runSoak(
  ms: number,
  runOne: () => Promise<void>,
  procs: Map<string, number>,
  dbFiles: string[],
  metricsUrls: Record<string, string>,
): Promise<NonNullable<BenchResults['soak']>> {
  const measure = async () => withHeap(await sample(procs), metricsUrls);
  log(`soak: ${ms / 60_000} min at 10 in flight`);
  const samples: { atS: number; processes: ProcSample[]; dbBytes: number }[] = [];
  const began = Date.now();
  const timer = setInterval(
    () =>
      void Promise.all([measure(), filesSize(dbFiles)]).then(([p, db]) =>
        samples.push({ atS: Math.round((Date.now() - began) / 1000), processes: p, dbBytes: db }),
      ),
    30_000,
  );
  const start = await measure();
  const level = await closedLoop(10, ms, runOne);
  clearInterval(timer);
  const end = await measure();
  return { concurrency: 10, completed: level.completed, throughput: level.throughput, start, end, samples };
}

function headline(baton: BatonLevel[], plain: LevelResult[]) {
  const best = (ls: LevelResult[]) => ls.reduce((a, b) => (b.throughput > a.throughput ? b : a));
  const b = best(baton);
  const p = best(plain);
  const at50 = baton.find((l) => l.concurrency === 50) ?? baton.at(-1)!;
  const loaded = baton.filter((l) => l.concurrency >= 50);
  const pinsAll = loaded.reduce((n, l) => n + l.pins, 0);
  const txAll = loaded.reduce((n, l) => n + l.chainTransactions, 0);
  return {
    throughputRatio: Math.round((b.throughput / p.throughput) * 100) / 100,
    batonBestThroughput: b.throughput,
    plainBestThroughput: p.throughput,
    pinsPerTx: txAll ? Math.round((pinsAll / txAll) * 10) / 10 : 0,
    deliveryP99Ms: at50.delivery.p99Ms,
    deliveryP50Ms: at50.delivery.p50Ms,
  };
}

/** A member's average pin rate at the level that pinned the most per second (whole pins a second, at least 1). */
function memberPinRate(levels: BatonLevel[], members: number): number {
  const rates = levels.map((l) => l.pins / (l.wallMs / 1000) / members);
  return Math.max(1, Math.round(Math.max(0, ...rates)));
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
}

function fmt(l: LevelResult): string {
  const failed = l.failed ? ` (first: ${l.firstError})` : '';
  return `${l.throughput}/s, ${l.completed} done, ${l.failed} failed${failed}, p50 ${l.latency.p50Ms} ms, p99 ${l.latency.p99Ms} ms`;
}

// Ctrl-C: exit through process.exit, whose handlers stop every child (network and plain workers).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
