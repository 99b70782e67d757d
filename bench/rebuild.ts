import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalNetwork } from '../apps/network/local-network.js';
import { MemberProcess } from '../apps/network/member-process.js';
import { DEV_ACCOUNTS } from '../apps/shared/chain/dev-accounts.js';
import { openDatabase } from '../apps/shared/db/data-source.js';
import { sleep } from './stats.js';

/**
 * The rebuilding worker's own Temporal namespace, registered at the network's
 * start and empty: its workflows apply what the ledger decided and run
 * nothing again, as in test/e2e/rebuild.test.ts. The member's own namespace
 * would hold the running member's workflows, and a second worker on it would
 * take their tasks.
 */
export const REBUILD_NAMESPACE = 'bench-rebuild';

export interface RebuildResult {
  /** Pins and event-log entries the member holds once caught up, as its worker logs them. */
  pins: number;
  events: number;
  /** Worker start (database open, Temporal connected) → caught up, as the worker logs it. */
  elapsedMs: number;
  eventsPerSec: number;
  /** Spawning the process → the line in its log, as the benchmark saw it. */
  wallMs: number;
  /** Chain blocks added while it rebuilt: 0 unless something was pinned again (or still in flight). */
  chainBlocksDuringRebuild: number;
  note: string;
}

interface CaughtUpLine {
  msg?: string;
  pins: number;
  events: number;
  elapsedMs: number;
}

/**
 * Starts a second worker for `member` on an empty SQLite file and an empty
 * Temporal namespace, against the running network's chain, and waits for its
 * `ledger caught up` line (apps/worker/ledger/catch-up.ts): the rebuild from block 0,
 * private data fetched from the other members included. The worker is
 * stopped before this returns, also on failure or timeout.
 */
export async function rebuildFromBlock0(
  network: LocalNetwork,
  head: () => Promise<number>,
  { member = 'buyer', account = 1, timeoutMs = 600_000, log = (_line: string) => {} } = {},
): Promise<RebuildResult | { notMeasured: string }> {
  const dir = join(network.options.dataDir, 'rebuild', member);
  const sqlitePath = join(dir, 'baton.sqlite');
  // Above the members' gateway and metrics ports (base + 1..3, base + 101..103).
  const port = network.options.gatewayBasePort + 4;
  const env = {
    ...network.memberEnv(member, DEV_ACCOUNTS[account].privateKey),
    TEMPORAL_NAMESPACE: REBUILD_NAMESPACE,
    DATABASE_URL: '',
    SQLITE_PATH: sqlitePath,
    BLOB_DIR: join(dir, 'blobs'),
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    METRICS_PORT: String(port + 100),
  };
  // Migrated first, as the launcher does, so the measured time is the rebuild's.
  await (await openDatabase({ databaseUrl: '', sqlitePath }, true)).destroy();
  const headBefore = await head();
  const logDir = join(dir, 'logs');
  const began = Date.now();
  const worker = MemberProcess.start({ member, role: 'worker', env, logDir, log });
  try {
    for (;;) {
      const line = await caughtUpLine(worker.logFile);
      if (line) {
        const wallMs = Date.now() - began;
        const starts = (await readFile(worker.logFile, 'utf8')).split('"worker started"').length - 1;
        return {
          pins: line.pins,
          events: line.events,
          elapsedMs: line.elapsedMs,
          eventsPerSec: Math.round(line.events / (Math.max(1, line.elapsedMs) / 1000)),
          wallMs,
          chainBlocksDuringRebuild: (await head()) - headBefore,
          note:
            `a second ${member} worker on an empty SQLite file and an empty Temporal namespace, reading the chain ` +
            `from block 0 and fetching private data from the running members` +
            (starts > 1 ? `; the worker started ${starts} times, the figures are of the last start` : ''),
        };
      }
      if (worker.failed) return { notMeasured: `the rebuilding worker kept failing; see ${worker.logFile}` };
      if (Date.now() - began > timeoutMs)
        return { notMeasured: `no "ledger caught up" within ${timeoutMs / 1000} s; see ${worker.logFile}` };
      await sleep(100);
    }
  } finally {
    await worker.stop();
  }
}

async function caughtUpLine(logFile: string): Promise<CaughtUpLine | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  for (const raw of text.split('\n')) {
    if (!raw.includes('"ledger caught up"')) continue;
    try {
      const line = JSON.parse(raw) as CaughtUpLine;
      if (line.msg === 'ledger caught up') return line;
    } catch {
      // a line still being written
    }
  }
  return undefined;
}
