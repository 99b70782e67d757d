import { readdir, readFile, stat } from 'node:fs/promises';
import { NETWORK_MARK } from '../apps/network/leftovers.js';

export interface ProcSample {
  name: string;
  pid: number;
  rssMb: number;
  /** User + system CPU time so far, in ms. */
  cpuMs: number;
  openFds: number;
  /** V8 heap in use, for the processes that serve Prometheus metrics (see withHeap). */
  heapMb?: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * The network's processes, found like leftovers.ts finds them: by the mark
 * the launcher puts in its children's environment. Named by role and member.
 */
export async function networkProcesses(
  dataDir: string,
  extra: Record<string, number> = {},
): Promise<Map<string, number>> {
  const found = new Map<string, number>(Object.entries(extra));
  found.set('bench (load, chain proxy)', process.pid);
  const mark = `${NETWORK_MARK}=${dataDir}\0`;
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const environ = await readFile(`/proc/${d}/environ`, 'latin1').catch(() => '');
    if (!environ.includes(mark)) continue;
    const cmd = (await readFile(`/proc/${d}/cmdline`, 'latin1').catch(() => '')).split('\0').join(' ');
    const member = /(?:^|\0)MEMBER_NAME=([^\0]*)/.exec(environ)?.[1];
    let name: string;
    if (/apps\/gateway\/main\.js/.test(cmd)) name = `${member} gateway`;
    else if (/apps\/worker\/main\.js/.test(cmd)) name = `${member} worker`;
    else if (/temporal/.test(cmd) && /server/.test(cmd)) name = 'temporal server';
    else if (/hardhat/.test(cmd)) name = 'chain (hardhat node)';
    else continue;
    found.set(found.has(name) ? `${name} ${d}` : name, Number(d));
  }
  return found;
}

export async function sample(procs: Map<string, number>): Promise<ProcSample[]> {
  const out: ProcSample[] = [];
  for (const [name, pid] of procs) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const statLine = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!status || !statLine) continue;
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    // Fields after the command name (which may hold spaces): utime is 14th, stime 15th overall.
    const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    const openFds = (await readdir(`/proc/${pid}/fd`).catch(() => [])).length;
    out.push({ name, pid, rssMb: Math.round(rssKb / 102.4) / 10, cpuMs, openFds });
  }
  return out;
}

/**
 * Adds the V8 heap in use (prom-client's `nodejs_heap_size_used_bytes`) to
 * the samples of the processes named in `metricsUrls` (the members' workers
 * and gateways). The resident size keeps pages the allocator once used; the
 * heap falls back at each garbage collection, so its lowest samples show
 * whether live data grows.
 */
export async function withHeap(samples: ProcSample[], metricsUrls: Record<string, string>): Promise<ProcSample[]> {
  await Promise.all(
    samples.map(async (s) => {
      const url = metricsUrls[s.name];
      if (!url) return;
      const text = await metricsText(url);
      const bytes = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]);
      if (Number.isFinite(bytes)) s.heapMb = Math.round(bytes / 2 ** 20);
    }),
  );
  return samples;
}

/** A member process's Prometheus text from `url`, or '' when it does not answer in 5 s. */
function metricsText(url: string): Promise<string> {
  return fetch(url, { signal: AbortSignal.timeout(5_000) })
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '');
}

/** A Node process's event-loop delay, ms: how long a ready callback may have waited. */
export interface LoopDelay {
  p99: number;
  max: number;
}

/**
 * Each member process's event-loop delay since the previous call, from its
 * `/metrics` (prom-client keeps a histogram at 10 ms resolution and starts it
 * afresh on every scrape): call once to start a window, again to read it.
 */
export async function loopDelays(metricsUrls: Record<string, string>): Promise<Record<string, LoopDelay>> {
  const read = await Promise.all(
    Object.entries(metricsUrls).map(async ([name, url]) => {
      const text = await metricsText(url);
      const ms = (metric: string) =>
        Math.round(Number(new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1]) * 1e4) / 10;
      return [
        name,
        { p99: ms('nodejs_eventloop_lag_p99_seconds'), max: ms('nodejs_eventloop_lag_max_seconds') },
      ] as const;
    }),
  );
  // In the order given (the report's rows), leaving out any process that did not answer.
  return Object.fromEntries(read.filter(([, delay]) => Number.isFinite(delay.p99)));
}

/** CPU ms each process spent between two samples. */
export function cpuBetween(before: ProcSample[], after: ProcSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of after) {
    const b = before.find((x) => x.pid === a.pid);
    if (b) out[a.name] = a.cpuMs - b.cpuMs;
  }
  return out;
}

/** Bytes of every file under `dir` whose name matches (the member databases with WAL). */
export async function filesSize(paths: string[]): Promise<number> {
  let total = 0;
  for (const p of paths) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  return total;
}

/** CPU ms per second of wall time each process spent between two samples taken `ms` apart. */
export function cpuRate(before: ProcSample[], after: ProcSample[], ms: number): Record<string, number> {
  const cpu = cpuBetween(before, after);
  return Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round((v / (ms / 1000)) * 10) / 10]));
}

/** CPU ms of each process per completed process (0 when none completed). */
export function perProcess(cpu: Record<string, number>, completed: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, completed ? Math.round(v / completed) : 0]));
}
