import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Set for every process the launcher starts, naming its data folder. */
export const NETWORK_MARK = 'BATON_NETWORK_DATA_DIR';

/** Marks this launcher's future children as belonging to the network in `dataDir`. */
export function markChildren(dataDir: string): void {
  process.env[NETWORK_MARK] = dataDir;
}

/**
 * Stops processes that an earlier launcher on the same data folder started
 * and could not stop (it was killed on its own, so its children lived on and
 * hold the ports and files). Found by the mark in their environment; Linux
 * only (/proc), a no-op elsewhere.
 */
export async function stopLeftovers(dataDir: string, log: (line: string) => void): Promise<void> {
  const mark = `${NETWORK_MARK}=${dataDir}\0`;
  let pids: number[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return;
  }
  const found: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (environ.includes(mark)) found.push(pid);
  }
  if (found.length === 0) return;
  log(`stopping ${found.length} process(es) left running by an earlier start on ${dataDir}: ${found.join(', ')}`);
  for (const pid of found) signal(pid, 'SIGTERM');
  for (let i = 0; i < 50 && found.some(alive); i++) await sleep(200);
  for (const pid of found.filter(alive)) signal(pid, 'SIGKILL');
  await sleep(300);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
