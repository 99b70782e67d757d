import { summarize, type LatencySummary } from './stats.js';

export interface LevelResult {
  concurrency: number;
  /** Processes completed (at every member) per second: all completed over the time until the last ended. */
  throughput: number;
  completed: number;
  failed: number;
  /** The first failure's message, when any failed. */
  firstError?: string;
  windowMs: number;
  /** From the start request to the final state at the last member. */
  latency: LatencySummary;
  /** From the level's start until the last process in flight ended. */
  wallMs: number;
}

/**
 * Keeps `concurrency` processes in flight for `durationMs`: each slot starts
 * a process as soon as its previous one ended, until the window closes, and
 * the level ends when the last of them ended. Throughput is every completed
 * process over that whole time (for a closed loop, about concurrency / mean
 * latency, not biased by processes cut at the window's edge).
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  runOne: () => Promise<void>,
): Promise<LevelResult> {
  const started = Date.now();
  const end = started + durationMs;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const slot = async () => {
    while (Date.now() < end) {
      const t0 = Date.now();
      try {
        await runOne();
        latencies.push(Date.now() - t0);
      } catch (err) {
        failed += 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, slot));
  const wallMs = Date.now() - started;
  return {
    concurrency,
    throughput: Math.round((latencies.length / (wallMs / 1000)) * 100) / 100,
    completed: latencies.length,
    failed,
    ...(firstError ? { firstError } : {}),
    windowMs: durationMs,
    latency: summarize(latencies),
    wallMs,
  };
}
