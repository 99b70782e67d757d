import { pinCycles } from './breakdown.js';
import type { ChainWatch } from './chain-watch.js';
import { closedLoop } from './closed-loop.js';
import type { Observer } from './observer.js';
import { cpuBetween, loopDelays, perProcess, sample } from './procs.js';
import type { BatonLevel } from './results.js';
import { summarize } from './stats.js';

/**
 * Runs Baton processes `concurrency` at a time for `ms`, and measures the
 * level: throughput and latency, the chain transactions and pins it made,
 * how soon its events reached a subscriber after their block, CPU per
 * completed process and event-loop delay.
 */
export async function measureBaton(
  concurrency: number,
  ms: number,
  runOne: () => Promise<void>,
  on: { observer: Observer; chain: ChainWatch; procs: Map<string, number>; metricsUrls: Record<string, string> },
): Promise<BatonLevel> {
  const { observer, chain, procs } = on;
  const fromBlock = (await chain.blockNumber()) + 1;
  const before = await sample(procs);
  await loopDelays(on.metricsUrls);
  observer.record(true);
  const level = await closedLoop(concurrency, ms, runOne);
  observer.record(false);
  const loopDelayMs = await loopDelays(on.metricsUrls);
  const { events, seenAt: stamps, loopDelayMs: observerDelay } = await observer.take();
  const seenAt = new Map(stamps);
  const after = await sample(procs);
  const toBlock = await chain.blockNumber();
  const { batches, blockOfPin } = await chain.batches(fromBlock, toBlock);
  const pins = batches.reduce((n, b) => n + b.pins.length, 0);
  // Process events (the projector's, as it applies each pin) and the
  // listener's own batch-pinned events (as it records each batch).
  const delivery: number[] = [];
  const ledgerDelivery: number[] = [];
  const blockToLog: number[] = [];
  const logToSubscriber: number[] = [];
  for (const e of events) {
    const block = e.type === 'batch-pinned' ? e.blockNumber : e.pin === undefined ? undefined : blockOfPin.get(e.pin);
    const seen = block === undefined ? undefined : seenAt.get(block);
    if (seen === undefined) continue;
    if (e.type === 'batch-pinned') {
      ledgerDelivery.push(e.receivedAt - seen);
      continue;
    }
    delivery.push(e.receivedAt - seen);
    if (e.createdAt === undefined) continue;
    blockToLog.push(e.createdAt - seen);
    logToSubscriber.push(e.receivedAt - e.createdAt);
  }
  return {
    ...level,
    chainTransactions: batches.length,
    pins,
    pinsPerTx: batches.length ? Math.round((pins / batches.length) * 10) / 10 : 0,
    largestBatch: Math.max(0, ...batches.map((b) => b.pins.length)),
    chainTxPerSec: Math.round((batches.length / (level.wallMs / 1000)) * 100) / 100,
    blockIntervalMs: toBlock >= fromBlock ? Math.round(level.wallMs / (toBlock - fromBlock + 1)) : undefined,
    delivery: summarize(delivery),
    batchPinnedDelivery: summarize(ledgerDelivery),
    deliverySplit: { blockToLog: summarize(blockToLog), logToSubscriber: summarize(logToSubscriber) },
    cpuMsPerProcess: perProcess(cpuBetween(before, after), level.completed),
    pinCycle: pinCycles(events, blockOfPin, seenAt),
    loopDelayMs: { ...loopDelayMs, 'bench observer': observerDelay },
  };
}
