import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../apps/shared/paths.js';
import { renderChart } from './chart.js';
import { cpuTable, loopDelayTable, memoryTable } from './report-resources.js';
import type { BenchResults } from './results.js';
import type { LatencySummary } from './stats.js';

const RESULTS = join(PROJECT_ROOT, 'bench', 'results');
const DOC = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** latest.json, latest.md, the chart, and the results block of docs/benchmarks.md. */
export async function writeReports(r: BenchResults): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, 'latest.json'), JSON.stringify(r, null, 2) + '\n');
  await writeFile(join(RESULTS, 'chart.svg'), renderChart(r));
  const md = await prettyMarkdown(markdown(r));
  await writeFile(join(RESULTS, 'latest.md'), md);
  const doc = await readFile(DOC, 'utf8').catch(() => '');
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) await writeFile(DOC, `${doc.slice(0, a + START.length)}\n\n${md}\n${doc.slice(b)}`);
}

/** The project's Prettier style, so `npm run lint` passes on generated files (as they are without Prettier). */
async function prettyMarkdown(md: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(DOC)) ?? {};
    return await prettier.format(md, { ...options, parser: 'markdown' });
  } catch {
    return md;
  }
}

export function markdown(r: BenchResults): string {
  const m = r.machine;
  const n = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '–' : String(x));
  const lines = [
    `Run \`${r.mode}\` of ${r.startedAt} (${r.durationS} s) on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.os}${niceness(r)}.`,
    '',
    '| headline | value | goal |',
    '| --- | --- | --- |',
    `| throughput ratio (Baton / plain Temporal, best concurrency) | ${r.throughputRatio} (${r.batonBestThroughput}/s vs ${r.plainBestThroughput}/s) | ≥ 0.5 |`,
    `| p99 latency: Baton's / (2 × plain's + one block, the level's mean block interval), by level | ${p99Headline(r)} | ≤ 1 |`,
    `| pins per chain transaction, local chain mining each transaction at once (≥ 50 in flight) | ${r.pinsPerTx} | ≥ 50 |`,
    `| pins per chain transaction, burst of pins queued at once | ${burstHeadline(r)} | ≥ 50 |`,
    ...onBlockTimeHeadline(r),
    ...blockTimeHeadline(r),
    `| ledger → WebSocket delivery of process events at 50 in flight, p50 / p99 | ${n(r.deliveryP50Ms)} / ${n(r.deliveryP99Ms)} ms | p99 < 100 ms |`,
    `| replay: rebuild from chain block 0; durable subscription from oldest | ${replayHeadline(r)} | ≥ 5,000 events/s |`,
    '',
    `Events reach the benchmark through a ${r.deliveryVia}.`,
    '',
    '![throughput and p99 latency against concurrency](../bench/results/chart.svg)',
    '',
    '| in flight | Baton /s | plain /s | Baton p50 / p95 / p99 ms | plain p50 / p95 / p99 ms | pins/tx | chain tx/s | delivery p50 / p99 ms: process events | batch-pinned |',
    '| ---: | ---: | ---: | --- | --- | ---: | ---: | --- | --- |',
    ...r.baton.map((b, i) => {
      const p = r.plainTemporal[i];
      const lat = (l: LatencySummary) => `${n(l.p50Ms)} / ${n(l.p95Ms)} / ${n(l.p99Ms)}`;
      return `| ${b.concurrency} | ${b.throughput} | ${p?.throughput ?? '–'} | ${lat(b.latency)} | ${p ? lat(p.latency) : '–'} | ${b.pinsPerTx} | ${b.chainTxPerSec} | ${lat2(b.delivery)} | ${lat2(b.batchPinnedDelivery)} |`;
    }),
    ...failures(r),
    '',
    'One pin round, medians (at 1 in flight it shows where one process spends its time):',
    '',
    "| in flight | pins | block → event at the member acting next ms | that event → next pin's block ms | block → event at the last member ms |",
    '| ---: | ---: | ---: | ---: | ---: |',
    ...r.baton.map(
      (b) =>
        `| ${b.concurrency} | ${b.pinCycle.pins} | ${n(b.pinCycle.blockToEventMs)} | ${n(b.pinCycle.eventToNextBlockMs)} | ${n(b.pinCycle.blockToLastMemberMs)} |`,
    ),
    '',
    "Process events' delivery split where the worker writes the event into the member's log (its `created`), p50 / p99 ms:",
    '',
    '| in flight | block → member log | member log → subscriber |',
    '| ---: | --- | --- |',
    ...r.baton.map(
      (b) => `| ${b.concurrency} | ${lat2(b.deliverySplit.blockToLog)} | ${lat2(b.deliverySplit.logToSubscriber)} |`,
    ),
    '',
    ...loopDelayTable(r),
    '',
    'CPU ms per completed process, by process (Baton at each concurrency):',
    '',
    cpuTable(r),
    '',
    'Replay:',
    '',
    ...replayLines(r),
    '',
    ...onBlockTimeLines(r),
    ...burstLines(r),
    ...blockTimeLines(r),

    memoryTable(r),
  ];
  return lines.join('\n') + '\n';
}

function burstHeadline(r: BenchResults): string {
  const b = r.ledgerBurst;
  if (!b) return 'not measured';
  if ('notMeasured' in b) return `not measured: ${b.notMeasured}`;
  return `${b.pinsPerTx} (${b.pins} pins in ${b.transactions} transactions, ${b.pinsPerSec} pins/s)`;
}

function replayHeadline(r: BenchResults): string {
  const { rebuildFromBlock0: rebuild, durableSubscriptionFromOldest: durable } = r.replay;
  const a =
    'notMeasured' in rebuild
      ? 'not measured'
      : `${rebuild.eventsPerSec} events/s (${rebuild.events} events, ${rebuild.pins} pins in ${(rebuild.elapsedMs / 1000).toFixed(1)} s)`;
  const b = 'notMeasured' in durable ? 'not measured' : `${durable.eventsPerSec} events/s`;
  return `${a}; ${b}`;
}

function replayLines(r: BenchResults): string[] {
  const { rebuildFromBlock0: rebuild, durableSubscriptionFromOldest: durable } = r.replay;
  return [
    'notMeasured' in rebuild
      ? `- rebuild from chain block 0: not measured: ${rebuild.notMeasured}`
      : `- rebuild from chain block 0: ${rebuild.eventsPerSec} events/s: ${rebuild.events} events and ${rebuild.pins} pins in ${rebuild.elapsedMs} ms from the worker's start (${rebuild.wallMs} ms from spawning it); ${rebuild.chainBlocksDuringRebuild} chain blocks added meanwhile (${rebuild.note})`,
    'notMeasured' in durable
      ? `- durable subscription from oldest: not measured: ${durable.notMeasured}`
      : `- durable subscription from oldest: ${durable.eventsPerSec} events/s over ${durable.events} events (${durable.note})`,
  ];
}

function burstLines(r: BenchResults): string[] {
  const b = r.ledgerBurst;
  if (!b) return [];
  if ('notMeasured' in b) return ['Ledger under a burst: not measured: ' + b.notMeasured, ''];
  return [
    `Ledger under a burst: ${b.pins} pins in ${b.transactions} transactions (${b.pinsPerTx} a transaction, largest ${b.largestBatch}), ${b.pinsPerSec} pins/s, all pinned ${b.elapsedMs} ms after they were queued (${b.note}).`,
    '',
  ];
}

/** Each level's Baton p99 against the goal's bound, 2 × plain Temporal's p99 at that level plus one block. */
function p99Headline(r: BenchResults): string {
  return r.baton
    .map((b) => {
      const plain = r.plainTemporal.find((p) => p.concurrency === b.concurrency);
      if (!plain || b.blockIntervalMs === undefined) return `${b.concurrency}: –`;
      const bound = 2 * plain.latency.p99Ms + b.blockIntervalMs;
      return `${b.concurrency}: ${(b.latency.p99Ms / bound).toFixed(2)} (${b.latency.p99Ms} / ${Math.round(bound)} ms)`;
    })
    .join('; ');
}

function onBlockTimeHeadline(r: BenchResults): string[] {
  const t = r.onBlockTime;
  if (!t) return [];
  if ('notMeasured' in t)
    return [
      `| pins per chain transaction, processes on a chain with a block time | not measured: ${t.notMeasured} | ≥ 50 |`,
    ];
  return [
    `| pins per chain transaction, ${t.concurrency} processes in flight on the local chain with ${t.blockMs / 1000} s blocks | ${t.pinsPerTx} (${t.pins} pins in ${t.chainTransactions} transactions, largest ${t.largestBatch ?? '–'}) | ≥ 50 |`,
  ];
}

function onBlockTimeLines(r: BenchResults): string[] {
  const t = r.onBlockTime;
  if (!t) return [];
  if ('notMeasured' in t) return [`Processes on a chain with a block time: not measured: ${t.notMeasured}`, ''];
  const plain = r.plainTemporal.find((p) => p.concurrency === t.concurrency);
  const bound = plain ? 2 * plain.latency.p99Ms + t.blockMs : undefined;
  const cpu = Object.values(t.cpuMsPerProcess).reduce((a, b) => a + b, 0);
  return [
    `Processes on a chain with a block time: ${t.concurrency} \`trade-settlement\` processes kept in flight for ${t.windowMs / 1000} s while the network's own chain mined a block every ${t.blockMs / 1000} s (the local chain with \`BATON_CHAIN_BLOCK_MS\`, switched at run time and back after): ` +
      `${t.completed} completed, ${t.throughput}/s, p50 / p95 / p99 ${t.latency.p50Ms} / ${t.latency.p95Ms} / ${t.latency.p99Ms} ms` +
      (bound
        ? ` (${(t.latency.p99Ms / bound).toFixed(2)} of 2 × plain Temporal's p99 at ${t.concurrency} in flight + one block, ${bound} ms)`
        : '') +
      `; ${t.pins} pins in ${t.chainTransactions} transactions, ${t.pinsPerTx} a transaction, largest ${t.largestBatch ?? '–'}; ` +
      `delivery of process events p50 / p99 ${lat2(t.delivery)} ms; CPU ${cpu} ms per completed process, all processes.` +
      (t.failed ? ` ${t.failed} failed; first: ${t.firstError}.` : ''),
    '',
  ];
}

function blockTimeHeadline(r: BenchResults): string[] {
  const t = r.blockTimes;
  if (t && 'notMeasured' in t)
    return [`| pins per chain transaction on a chain with block times | not measured: ${t.notMeasured} | ≥ 50 |`];
  const levels = t?.levels ?? [];
  if (levels.length === 0) return [];
  const each = levels.map((l) => `${l.pinsPerTx} at ${l.blockMs / 1000} s`).join(', ');
  return [
    `| pins per chain transaction, ${levels[0].pinsPerSec} pins/s on a chain with block times | ${each} | ≥ 50 |`,
  ];
}

function blockTimeLines(r: BenchResults): string[] {
  const t = r.blockTimes;
  if (t && 'notMeasured' in t) return [`Ledger on a chain with block times: not measured: ${t.notMeasured}`, ''];
  if (!t || t.levels.length === 0) return [];
  return [
    `Ledger on a chain with block times (${t.note}):`,
    '',
    '| block time s | pins/s | pins | not mined | transactions | pins/tx | largest | queued → pinned p50 / p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...t.levels.map(
      (l) =>
        `| ${l.blockMs / 1000} | ${l.pinsPerSec} | ${l.pins} | ${l.notPinned} | ${l.transactions} | ${l.pinsPerTx} | ${l.largestBatch} | ${lat2(l.latency)} |`,
    ),
    '',
  ];
}

function failures(r: BenchResults): string[] {
  const rows = [
    ...r.baton.map((l) => ['Baton', l] as const),
    ...r.plainTemporal.map((l) => ['plain Temporal', l] as const),
  ].filter(([, l]) => l.failed > 0);
  return rows.length === 0
    ? []
    : [
        '',
        ...rows.map(([who, l]) => `- ${who} at ${l.concurrency} in flight: ${l.failed} failed; first: ${l.firstError}`),
      ];
}

function lat2(l: LatencySummary): string {
  return Number.isNaN(l.p50Ms) ? '–' : `${l.p50Ms} / ${l.p99Ms}`;
}

/** The Temporal dev server's niceness, when the run recorded it (older results did not). */
function niceness(r: BenchResults): string {
  const nice = r.settings.BATON_TEMPORAL_NICE;
  return nice === undefined ? '' : `; Temporal dev server at niceness ${nice}`;
}
