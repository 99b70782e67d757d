import { setTimeout as sleep } from 'node:timers/promises';

export interface HealthProbeOptions {
  /** The process's `/healthz`. */
  url: string;
  /** How long the process may go without a 200 before it counts as hung, in ms; twice that before its first. */
  unresponsiveAfterMs: number;
  /** How often it is asked, and how long each answer may take, in ms. Default 5 s. */
  everyMs?: number;
  /** Ends the probing (the process exited or is being stopped). */
  signal: AbortSignal;
}

/** How often the launcher asks a member process for its `/healthz`. */
const PROBE_EVERY_MS = 5_000;

/**
 * Asks `url` every few seconds and resolves, with what it last got instead
 * of a 200, once it has gone `unresponsiveAfterMs` without one; resolves
 * undefined when `signal` aborts first. A process whose event loop hangs
 * still accepts connections (the kernel does) but answers nothing; one whose
 * loop keeps stalling answers 503 (see EventLoopStalls): both count. A
 * process that has not answered yet is starting (migrations, a Temporal
 * connection, the workflow bundle) and gets twice as long from the call; it
 * is watched all the same, since what freezes a process (a durable
 * subscription's filter, say) may freeze it again right after each start.
 *
 * @example
 * const problem = await whenUnresponsive({ url: 'http://127.0.0.1:3001/healthz', unresponsiveAfterMs: 30_000, signal });
 * if (problem) child.kill('SIGKILL');
 */
export async function whenUnresponsive(o: HealthProbeOptions): Promise<string | undefined> {
  const everyMs = o.everyMs ?? PROBE_EVERY_MS;
  const started = Date.now();
  let lastAnswer: number | undefined;
  for (;;) {
    await sleep(everyMs, undefined, { signal: o.signal }).catch(() => undefined);
    if (o.signal.aborted) return undefined;
    const askedAt = Date.now();
    let problem: string;
    try {
      const res = await fetch(o.url, { signal: AbortSignal.any([o.signal, AbortSignal.timeout(everyMs)]) });
      await res.body?.cancel();
      if (res.ok) {
        lastAnswer = Date.now();
        continue;
      }
      problem = `answered ${res.status}`;
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
      problem = cause ?? (err as Error).message;
    }
    if (o.signal.aborted) return undefined;
    // Up to when this question was asked: a process that resumes gets its full time to answer it.
    const silentMs = askedAt - (lastAnswer ?? started);
    if (silentMs < (lastAnswer === undefined ? 2 : 1) * o.unresponsiveAfterMs) continue;
    const since = lastAnswer === undefined ? ' since it started' : '';
    return `no 200 from ${o.url} for ${Math.round(silentMs / 1000)} s${since} (${problem})`;
  }
}
