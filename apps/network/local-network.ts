import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_ACCOUNTS } from '../shared/chain/dev-accounts.js';
import { SequencerClient } from '../shared/chain/sequencer.js';
import { memberDatabaseOptions, openDatabase } from '../shared/db/data-source.js';
import { databaseNameOf, ensurePostgresDatabase } from '../shared/db/postgres.js';
import { PROJECT_ROOT } from '../shared/paths.js';
import { stopLeftovers, markChildren } from './leftovers.js';
import { LocalChain } from './local-chain.js';
import { MemberProcess } from './member-process.js';
import { findOrInstallTemporalCli } from './temporal-cli.js';
import { TemporalDevServer, type TemporalDevServerOptions } from './temporal-server.js';

/** The demo members; each gets one of Hardhat's public dev keys (demo only). */
export const DEMO_MEMBERS = ['buyer', 'seller', 'bank'] as const;

export interface LocalNetworkOptions {
  dataDir: string;
  temporalPort: number;
  temporalUiPort: number;
  chainPort: number;
  /** The local chain's block time (LocalChainOptions.blockMs); 0, the default: each transaction mined at once. */
  chainBlockMs: number;
  /** Gateways listen on gatewayBasePort + 1, + 2, + 3 (3001, 3002, 3003 by default). */
  gatewayBasePort: number;
  /** Temporal namespaces to register beside the members' own (the benchmark's rebuilding member uses one). */
  extraNamespaces?: string[];
  /** Niceness of the Temporal dev server (see TemporalDevServerOptions.nice). */
  temporalNice: number;
  /** Silence after which the dev server is restarted (TemporalDevServerOptions.unresponsiveAfterMs); 0: never. */
  temporalUnresponsiveMs: number;
  /** Time without a 200 from its /healthz after which a gateway or worker is restarted (MemberProcessOptions.unresponsiveAfterMs); 0: never. */
  memberUnresponsiveMs: number;
  log: (line: string) => void;
}

export function localNetworkOptionsFromEnv(env = process.env, log: (line: string) => void): LocalNetworkOptions {
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    dataDir: resolve(env.BATON_DATA_DIR ?? join(PROJECT_ROOT, '.baton')),
    temporalPort: port('BATON_TEMPORAL_PORT', 7233),
    temporalUiPort: port('BATON_TEMPORAL_UI_PORT', 8233),
    chainPort: port('BATON_CHAIN_PORT', 8545),
    chainBlockMs: wholeNumber('BATON_CHAIN_BLOCK_MS', env.BATON_CHAIN_BLOCK_MS ?? '0', 'of milliseconds'),
    gatewayBasePort: port('BATON_GATEWAY_BASE_PORT', 3000),
    temporalNice: wholeNumber(
      'BATON_TEMPORAL_NICE',
      env.BATON_TEMPORAL_NICE ?? String(DEFAULT_TEMPORAL_NICE),
      'from 0 to 19',
      19,
    ),
    temporalUnresponsiveMs: wholeNumber(
      'BATON_TEMPORAL_UNRESPONSIVE_MS',
      env.BATON_TEMPORAL_UNRESPONSIVE_MS ?? '30000',
      'of milliseconds',
    ),
    memberUnresponsiveMs: memberUnresponsiveMsFromEnv(env),
    log,
  };
}

/** BATON_MEMBER_UNRESPONSIVE_MS, read by both launchers (this one and scripts/two-members.ts). */
export function memberUnresponsiveMsFromEnv(env = process.env): number {
  const value = env.BATON_MEMBER_UNRESPONSIVE_MS ?? String(DEFAULT_MEMBER_UNRESPONSIVE_MS);
  return wholeNumber('BATON_MEMBER_UNRESPONSIVE_MS', value, 'of milliseconds');
}

/**
 * The dev server's default niceness. On one machine the server takes the
 * largest share of the CPU under load; at 0 the members' gateways and ledger
 * readers waited in the run queue several times as long as they ran, and
 * every event reached apps that much later (docs/benchmarks-history.md, seventh round).
 */
const DEFAULT_TEMPORAL_NICE = 5;

/**
 * How long a member process may go without answering its /healthz: what a
 * Kubernetes liveness probe allows with its defaults (every 10 s, three
 * failures in a row), long beside any pause of a loaded but sound process.
 */
const DEFAULT_MEMBER_UNRESPONSIVE_MS = 30_000;

/** A setting that must be a whole number from 0 to `max`; `what` ends its error message. */
function wholeNumber(name: string, value: string, what: string, max = Infinity): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name} must be a whole number ${what}, not "${value}"`);
  return n;
}

interface Deployment {
  sequencer: string;
  chainId: number;
}

/**
 * The embedded default: one Temporal dev server (a namespace per member), one
 * local chain with the Sequencer, and a gateway and worker per member. A
 * second start on the same data folder reuses everything that is there.
 */
export class LocalNetwork {
  private temporal?: TemporalDevServer;
  private chain?: LocalChain;
  private stopping = false;
  private readonly members: MemberProcess[] = [];
  sequencer = '';

  constructor(readonly options: LocalNetworkOptions) {}

  gatewayUrl(member: string): string {
    return `http://127.0.0.1:${this.options.gatewayBasePort + DEMO_MEMBERS.indexOf(member as never) + 1}`;
  }

  /** The worker's /metrics, /healthz and /readyz: gateway port + 100 (3101, 3102, 3103 by default). */
  workerMetricsUrl(member: string): string {
    return `http://127.0.0.1:${Number(new URL(this.gatewayUrl(member)).port) + 100}`;
  }

  get temporalUiUrl(): string {
    return `http://127.0.0.1:${this.options.temporalUiPort}`;
  }

  get chainUrl(): string {
    return `http://127.0.0.1:${this.options.chainPort}`;
  }

  /** The chain's WebSocket JSON-RPC (newHeads), once it has started. */
  get chainWsUrl(): string {
    if (!this.chain) throw new Error('the local chain has not started');
    return this.chain.wsUrl;
  }

  async start(): Promise<void> {
    const { dataDir, log } = this.options;
    await mkdir(dataDir, { recursive: true });
    await stopLeftovers(dataDir, log);
    markChildren(dataDir);
    log('[1/4] Temporal dev server');
    const cli = await findOrInstallTemporalCli({ projectRoot: PROJECT_ROOT, log });
    const temporalOptions: TemporalDevServerOptions = {
      cli,
      dataDir: join(dataDir, 'temporal'),
      port: this.options.temporalPort,
      uiPort: this.options.temporalUiPort,
      namespaces: [...DEMO_MEMBERS, ...(this.options.extraNamespaces ?? [])],
      searchAttributes: { BatonProcessType: 'Keyword', BatonStatus: 'Keyword', BatonMember: 'Keyword' },
      nice: this.options.temporalNice,
      unresponsiveAfterMs: this.options.temporalUnresponsiveMs,
      log,
    };
    this.temporal = await TemporalDevServer.start(temporalOptions);
    this.superviseTemporal(temporalOptions);
    log('[2/4] local chain');
    this.chain = await LocalChain.start({
      dataDir: join(dataDir, 'chain'),
      port: this.options.chainPort,
      blockMs: this.options.chainBlockMs,
      projectRoot: PROJECT_ROOT,
      log,
    });
    log('[3/4] Sequencer contract and member registry');
    this.sequencer = (await this.ensureDeployment()).sequencer;
    log('[4/4] member nodes');
    for (const [i, name] of DEMO_MEMBERS.entries()) {
      const env = this.memberEnv(name, DEV_ACCOUNTS[i + 1].privateKey);
      // Create (PostgreSQL) and migrate once here, so the gateway and worker never race to do it.
      if (env.DATABASE_URL && (await ensurePostgresDatabase(env.DATABASE_URL)))
        log(`      created database ${databaseNameOf(env.DATABASE_URL)}`);
      await (await openDatabase({ databaseUrl: env.DATABASE_URL, sqlitePath: env.SQLITE_PATH }, true)).destroy();
      const unresponsiveAfterMs = this.options.memberUnresponsiveMs;
      for (const role of ['worker', 'gateway'] as const)
        this.members.push(
          MemberProcess.start({ member: name, role, env, logDir: join(dataDir, 'logs'), log, unresponsiveAfterMs }),
        );
    }
    await Promise.all(DEMO_MEMBERS.map((m) => waitForGateway(this.gatewayUrl(m), this.members)));
  }

  /**
   * A dev server that dies (crash, kill -9) is started again on the same
   * SQLite file and ports: workflows, timers and the workers' polls carry on
   * where they were, as after a second `npm start`.
   */
  private superviseTemporal(options: TemporalDevServerOptions): void {
    const server = this.temporal!;
    void server.exited.then(async () => {
      // Ctrl-C reaches the server and the launcher at once: give the launcher a moment to say it is stopping.
      await sleep(1_000);
      if (this.stopping) return;
      this.options.log('temporal: the dev server exited; restarting it on its database');
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          this.temporal = await TemporalDevServer.start(options);
          this.superviseTemporal(options);
          return;
        } catch (err) {
          this.options.log(`temporal: restart attempt ${attempt} failed: ${(err as Error).message}`);
          await sleep(Math.min(1_000 * attempt, 10_000));
        }
      }
    });
  }

  /** Changes the local chain's block time while the network runs (the benchmark's level on a chain with block times). */
  async setChainBlockTime(ms: number): Promise<void> {
    if (!this.chain) throw new Error('the local chain has not started');
    await this.chain.setBlockTime(ms);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.chain?.stopSupervising();
    await Promise.all(this.members.map((m) => m.stop()));
    await this.chain?.stop();
    await this.temporal?.stop();
  }

  /** The environment the launcher gives a member's gateway and worker; the benchmark starts an extra worker from it. */
  memberEnv(name: string, key: string): Record<string, string> {
    const url = this.gatewayUrl(name);
    const database = memberDatabaseOptions(this.options.dataDir, process.env.DATABASE_URL ?? '', name);
    return {
      MEMBER_NAME: name,
      MEMBER_KEY: key,
      TEMPORAL_ADDRESS: this.temporal!.address,
      TEMPORAL_NAMESPACE: name,
      TEMPORAL_UI_URL: this.temporalUiUrl,
      CHAIN_RPC_URL: this.chain!.rpcUrl,
      CHAIN_WS_URL: this.chain!.wsUrl,
      SEQUENCER_ADDRESS: this.sequencer,
      DATABASE_URL: database.databaseUrl,
      SQLITE_PATH: database.sqlitePath,
      PORT: new URL(url).port,
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      METRICS_PORT: new URL(this.workerMetricsUrl(name)).port,
      // The demo runs on loopback with demo keys: apps need no credentials
      // unless APP_AUTH=on (with APP_API_KEYS or APP_JWT_SECRET) is exported.
      APP_AUTH: process.env.APP_AUTH ?? 'off',
      // The demo's apps (and the tests' webhook receivers) listen on loopback, which webhooks may not reach elsewhere.
      WEBHOOK_ALLOWED_HOSTS: process.env.WEBHOOK_ALLOWED_HOSTS ?? '127.0.0.1,localhost,::1',
    };
  }

  /** Deploys the Sequencer and registers the members once; later starts find them on the restored chain. */
  private async ensureDeployment(): Promise<Deployment> {
    const file = join(this.options.dataDir, 'chain', 'deployment.json');
    const rpcUrl = this.chain!.rpcUrl;
    let deployment: Deployment | undefined;
    try {
      deployment = JSON.parse(await readFile(file, 'utf8')) as Deployment;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (deployment) {
      const existing = new SequencerClient({ rpcUrl, address: deployment.sequencer });
      const found = await existing.hasCode();
      existing.destroy();
      if (!found) throw new Error(`the Sequencer ${deployment.sequencer} from ${file} is not on the restored chain`);
      this.options.log(`  Sequencer ${deployment.sequencer} (reused)`);
    } else {
      const sequencer = await SequencerClient.deploy(rpcUrl, DEV_ACCOUNTS[0].privateKey);
      deployment = { sequencer, chainId: 31337 };
      await writeFile(file, JSON.stringify(deployment, null, 2) + '\n');
      this.options.log(`  Sequencer deployed at ${sequencer}`);
    }
    const owner = new SequencerClient({
      rpcUrl,
      address: deployment.sequencer,
      privateKey: DEV_ACCOUNTS[0].privateKey,
    });
    try {
      for (const [i, name] of DEMO_MEMBERS.entries()) {
        const account = DEV_ACCOUNTS[i + 1].address;
        if (await owner.isMember(account)) continue;
        await owner.addMember(account, name, this.gatewayUrl(name));
        this.options.log(`  member ${name} registered (${account})`);
      }
    } finally {
      owner.destroy();
    }
    return deployment;
  }
}

async function waitForGateway(url: string, members: MemberProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const dead = members.find((m) => m.failed);
    if (dead) throw new Error(`${dead.name} keeps failing; see ${dead.logFile}\n${await dead.logTail()}`);
    try {
      const res = await fetch(`${url}/api/v1/status`, { signal: AbortSignal.timeout(3_000) });
      const body = (await res.json()) as { ready?: boolean; checks?: unknown };
      if (body.ready) return;
      last = JSON.stringify(body.checks);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gateway ${url} not ready after ${timeoutMs / 1000} s: ${last}`);
}
