import type { LevelResult } from './closed-loop.js';
import type { LoopDelay, ProcSample } from './procs.js';
import type { BenchResults } from './results.js';

// The report's tables of what the processes used: CPU, memory and open files, event-loop delay.

export function cpuTable(r: BenchResults): string {
  const names = [...new Set(r.baton.flatMap((b) => Object.keys(b.cpuMsPerProcess)))].filter(
    (k) => !k.startsWith('plain'),
  );
  return [
    `| process | ${r.baton.map((b) => `${b.concurrency} in flight`).join(' | ')} |`,
    `| --- | ${r.baton.map(() => '---:').join(' | ')} |`,
    ...names.map((k) => `| ${k} | ${r.baton.map((b) => b.cpuMsPerProcess[k] ?? '–').join(' | ')} |`),
    `| plain Temporal (server + its 3 workers) | ${r.plainTemporal.map((p) => sumCpu((p as LevelResult & { cpuMsPerProcess?: Record<string, number> }).cpuMsPerProcess)).join(' | ')} |`,
  ].join('\n');
}

function sumCpu(cpu?: Record<string, number>): string {
  if (!cpu) return '–';
  // The floor's own work: the Temporal server and the three plain workers.
  const own = Object.entries(cpu).filter(([k]) => k === 'temporal server' || k.startsWith('plain'));
  return String(own.reduce((n, [, v]) => n + v, 0));
}

export function memoryTable(r: BenchResults): string {
  const floors = r.soak ? heapFloors(r.soak.samples) : undefined;
  const heapColumn = floors ? ` heap floor MB, first / last ${FLOOR_WINDOW_S / 60} min |` : '';
  const rows = (r.soak?.start ?? r.memory.idleStart).map((s) => {
    const end = (r.soak?.end ?? r.memory.idleEnd).find((e) => e.pid === s.pid);
    const idle = r.idleCpuMsPerSec?.[s.name] ?? '–';
    const floor = floors?.get(s.pid);
    const heap = floors ? ` ${floor ? `${floor.first} / ${floor.last}` : '–'} |` : '';
    return `| ${s.name} | ${idle} | ${s.rssMb} | ${end?.rssMb ?? '–'} |${heap} ${s.openFds} | ${end?.openFds ?? '–'} |`;
  });
  const what = r.soak
    ? `Resident memory over the ${Math.round((r.soak.samples.at(-1)?.atS ?? 0) / 60)}-minute soak at ${r.soak.concurrency} in flight (${r.soak.completed} processes):`
    : 'Resident memory of each process, idle before and after the load (`--soak` runs 10 minutes of load in between):';
  return [
    `Idle CPU: ms of CPU per second of each process over ${r.idleWindowS} s after warm-up with nothing in flight (the polling loops' cost). ${what}`,
    '',
    `| process | idle CPU ms/s | RSS start MB | RSS end MB |${heapColumn} open fds start | open fds end |`,
    `| --- | ---: | ---: | ---: |${floors ? ' ---: |' : ''} ---: | ---: |`,
    ...rows,
    '',
    `Member databases (3 SQLite files with WAL): ${(r.memory.dbBytesStart / 2 ** 20).toFixed(1)} MB → ${(r.memory.dbBytesEnd / 2 ** 20).toFixed(1)} MB.`,
  ].join('\n');
}

/** The stretch at each end of the soak whose lowest heap sample is its floor. */
const FLOOR_WINDOW_S = 180;

/**
 * Lowest heap in use sampled in the soak's first and last FLOOR_WINDOW_S, by
 * pid: a sample just after a garbage collection is close to the live data,
 * so a floor that stays put means the live data does not grow.
 */
function heapFloors(samples: { atS: number; processes: ProcSample[] }[]): Map<number, { first: number; last: number }> {
  const end = samples.at(-1)?.atS ?? 0;
  const lowest = (from: number, to: number) => {
    const low = new Map<number, number>();
    for (const s of samples)
      if (s.atS >= from && s.atS <= to)
        for (const p of s.processes)
          if (p.heapMb !== undefined) low.set(p.pid, Math.min(low.get(p.pid) ?? Infinity, p.heapMb));
    return low;
  };
  const first = lowest(0, FLOOR_WINDOW_S);
  const last = lowest(end - FLOOR_WINDOW_S, end);
  const floors = new Map<number, { first: number; last: number }>();
  for (const [pid, low] of first) {
    const late = last.get(pid);
    if (late !== undefined) floors.set(pid, { first: low, last: late });
  }
  return floors;
}

/**
 * Event-loop delay of each Node process over each Baton level, p99 / max ms:
 * how long work that was ready waited for its thread. The observer's row
 * bounds how late the benchmark's own stamps may be.
 */
export function loopDelayTable(r: BenchResults): string[] {
  const names = [...new Set(r.baton.flatMap((b) => Object.keys(b.loopDelayMs ?? {})))];
  if (names.length === 0) return [];
  const cell = (d: LoopDelay | undefined) => (d ? `${d.p99} / ${d.max}` : '–');
  return [
    "Event-loop delay over each Baton level, p99 / max ms: the time between ticks of a 10 ms timer, so 10 is on time (prom-client's histogram for the members; the benchmark's observer thread measures its own the same way):",
    '',
    `| process | ${r.baton.map((b) => `${b.concurrency} in flight`).join(' | ')} |`,
    `| --- | ${r.baton.map(() => '---:').join(' | ')} |`,
    ...names.map((name) => `| ${name} | ${r.baton.map((b) => cell(b.loopDelayMs?.[name])).join(' | ')} |`),
    '',
  ];
}
