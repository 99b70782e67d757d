import { cpus, platform, release, totalmem } from 'node:os';
import type { LedgerBurstResult } from './ledger-burst.js';
import type { BlockTimeResult } from './block-time.js';
import type { PinCycle } from './breakdown.js';
import type { LevelResult } from './closed-loop.js';
import type { LoopDelay, ProcSample } from './procs.js';
import type { RebuildResult } from './rebuild.js';
import type { ReplayResult } from './replay.js';
import type { LatencySummary } from './stats.js';

// What one benchmark run records: bench/results/latest.json holds one BenchResults.

export interface BatonLevel extends LevelResult {
  chainTransactions: number;
  pins: number;
  pinsPerTx: number;
  /** The most pins one transaction of the level carried (absent in results from before it was recorded). */
  largestBatch?: number;
  chainTxPerSec: number;
  /**
   * The level's mean time between chain blocks (its time over the blocks
   * mined in it): "one block" in the p99 goal. The local chain mines a block
   * per transaction, so this is how long the chain took per block at that load.
   */
  blockIntervalMs?: number;
  /** Pin's block first visible on the chain → event at a WebSocket subscriber. */
  delivery: LatencySummary;
  /** The same for the listener's batch-pinned events, written as it records each batch (before any projection). */
  batchPinnedDelivery: LatencySummary;
  /**
   * Process events' delivery in two parts, split at the event's `created` (the
   * worker writing it into the member's log): block → log and log → subscriber.
   */
  deliverySplit: { blockToLog: LatencySummary; logToSubscriber: LatencySummary };
  cpuMsPerProcess: Record<string, number>;
  pinCycle: PinCycle;
  /**
   * Event-loop delay over the level of each member's worker and gateway (from
   * their `/metrics`) and of the benchmark's observer thread, whose delay is
   * how late its stamps may be (bench/observer.ts).
   */
  loopDelayMs?: Record<string, LoopDelay>;
}

export interface BenchResults {
  mode: string;
  startedAt: string;
  durationS: number;
  machine: ReturnType<typeof machineInfo>;
  settings: Record<string, string>;
  throughputRatio: number;
  batonBestThroughput: number;
  plainBestThroughput: number;
  pinsPerTx: number;
  /** The pinner alone under a burst of pins queued at once (bench/ledger-burst.ts). */
  ledgerBurst?: LedgerBurstResult | NotMeasured;
  /** The pinner fed at a steady rate on a chain that mines a block every interval (bench/block-time.ts). */
  blockTimes?: BlockTimeResult | NotMeasured;
  /** Baton's processes on the network's own chain switched to a block time (BATON_CHAIN_BLOCK_MS), after the other levels. */
  onBlockTime?: (BatonLevel & { blockMs: number }) | NotMeasured;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  /** How the benchmark's subscriber received events. */
  deliveryVia: string;
  /**
   * The replay goal's figure: a member rebuilding from chain block 0 (event-log
   * entries written per second), or when that was not measured the durable
   * subscription replaying from oldest. Both are under `replay`.
   */
  replayEventsPerSec: number | null;
  /** CPU ms per second of each process over an idle window after warm-up, nothing in flight. */
  idleCpuMsPerSec: Record<string, number>;
  idleWindowS: number;
  baton: BatonLevel[];
  plainTemporal: LevelResult[];
  replay: {
    rebuildFromBlock0: RebuildResult | NotMeasured;
    durableSubscriptionFromOldest: ReplayResult | NotMeasured;
  };
  memory: { idleStart: ProcSample[]; idleEnd: ProcSample[]; dbBytesStart: number; dbBytesEnd: number };
  soak?: {
    concurrency: number;
    completed: number;
    throughput: number;
    start: ProcSample[];
    end: ProcSample[];
    samples: { atS: number; processes: ProcSample[]; dbBytes: number }[];
  };
}

interface NotMeasured {
  notMeasured: string;
}

export function machineInfo() {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}
