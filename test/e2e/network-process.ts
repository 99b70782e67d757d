import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { networkDatabaseUrl, wipeNetworkDatabases, type TestNetworkDatabase } from '../support/member-database.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NetworkPorts {
  temporal: number;
  temporalUi: number;
  chain: number;
  /** Gateways listen on gatewayBase + 1 (buyer), + 2 (seller), + 3 (bank). */
  gatewayBase: number;
}

export const MEMBERS = ['buyer', 'seller', 'bank'] as const;

/**
 * LEDGER_HOLD_MS of the tests' networks: short, so that a test sees a held
 * pin reach its workflow on its own; long against a trade's pins here (a
 * second or two from the first to the last), which still travel together.
 */
export const E2E_LEDGER_HOLD_MS = 10_000;
export type Member = (typeof MEMBERS)[number];

export function gatewayUrl(ports: NetworkPorts, member: Member): string {
  return `http://127.0.0.1:${ports.gatewayBase + MEMBERS.indexOf(member) + 1}`;
}

/**
 * Where a test network on `ports` keeps its member databases: its data folder
 * (SQLite), or on PostgreSQL runs the databases `baton_net<gateway base port>_<member>`
 * on DATABASE_URL's server, so networks running at the same time never share one.
 */
export function testNetworkDatabase(ports: NetworkPorts, dataDir: string): TestNetworkDatabase {
  return { dataDir, databaseUrl: networkDatabaseUrl(`baton_net${ports.gatewayBase}`) };
}

/**
 * The real `npm start` program (dist/apps/network/main.js) in its own process
 * group, so a test can stop it with Ctrl-C (SIGINT) or kill the whole thing.
 */
export class NetworkProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
    /** The network's member databases, for tests that open them (test/support/member-database.ts). */
    readonly database: TestNetworkDatabase,
  ) {}

  static async start(ports: NetworkPorts, dataDir: string, timeoutMs = 240_000): Promise<NetworkProcess> {
    const database = testNetworkDatabase(ports, dataDir);
    // A data folder the launcher has not used yet is a new network: on
    // PostgreSQL, member databases left by an earlier run must go too.
    if (!existsSync(join(dataDir, 'chain', 'deployment.json'))) await wipeNetworkDatabases(database, MEMBERS);
    const logFile = join(dataDir, `launcher-${Date.now()}.log`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'network', 'main.js')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        BATON_DATA_DIR: dataDir,
        DATABASE_URL: database.databaseUrl,
        BATON_TEMPORAL_PORT: String(ports.temporal),
        BATON_TEMPORAL_UI_PORT: String(ports.temporalUi),
        BATON_CHAIN_PORT: String(ports.chain),
        BATON_GATEWAY_BASE_PORT: String(ports.gatewayBase),
        LEDGER_HOLD_MS: String(E2E_LEDGER_HOLD_MS),
      },
    });
    closeSync(fd);
    const network = new NetworkProcess(child, logFile, database);
    const deadline = Date.now() + timeoutMs;
    while (!network.log().includes('BATON READY')) {
      if (child.exitCode !== null) throw new Error(`the network exited while starting:\n${network.log()}`);
      if (Date.now() > deadline) {
        await network.kill();
        throw new Error(`the network did not start in ${timeoutMs / 1000} s:\n${network.log()}`);
      }
      await sleep(250);
    }
    return network;
  }

  log(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  /** Ctrl-C: the launcher stops every part cleanly. */
  async interrupt(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    process.kill(-this.child.pid!, 'SIGINT');
    await exited;
  }

  /** kill -9 of the launcher alone: what it started lives on. */
  async killLauncherOnly(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** kill -9 of the launcher and everything it started. */
  async kill(): Promise<void> {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      return;
    }
    if (this.child.exitCode === null && this.child.signalCode === null) await once(this.child, 'exit');
    await sleep(500); // let the kernel release the ports
  }
}
