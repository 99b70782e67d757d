import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, parseEnv } from 'node:util';
import { LocalChain } from '../apps/network/local-chain.js';
import { memberUnresponsiveMsFromEnv } from '../apps/network/local-network.js';
import { MemberProcess } from '../apps/network/member-process.js';
import { findOrInstallTemporalCli } from '../apps/network/temporal-cli.js';
import { TemporalDevServer } from '../apps/network/temporal-server.js';
import { DEV_ACCOUNTS } from '../apps/shared/chain/dev-accounts.js';
import { SequencerClient } from '../apps/shared/chain/sequencer.js';
import { openDatabase } from '../apps/shared/db/data-source.js';
import { dropPostgresDatabase, ensurePostgresDatabase, memberDatabaseUrl } from '../apps/shared/db/postgres.js';
import { PROJECT_ROOT, projectPath } from '../apps/shared/paths.js';

/**
 * The two-member example of docs/deployment.md: one Temporal dev server
 * (namespaces alice and bob), a local chain with the Sequencer, and a gateway
 * and a worker per member started with docs/examples/two-members/<member>.env.
 *
 * Two overrides exist for tests: --port-offset moves every port of the env
 * files, --data-dir moves the SQLite files, Temporal, chain data and logs.
 *
 * @example
 *   npx tsc -p tsconfig.build.json && node dist/scripts/bundle-workflows.js
 *   node dist/scripts/two-members.js            # until Ctrl-C
 */
const MEMBERS = [
  { name: 'alice', account: DEV_ACCOUNTS[1] },
  { name: 'bob', account: DEV_ACCOUNTS[2] },
];
const SEARCH_ATTRIBUTES = { BatonProcessType: 'Keyword', BatonStatus: 'Keyword', BatonMember: 'Keyword' } as const;

const { values: args } = parseArgs({
  options: { 'port-offset': { type: 'string', default: '0' }, 'data-dir': { type: 'string' } },
});
const offset = Number(args['port-offset']);
const dataDir = resolve(args['data-dir'] ?? projectPath('.baton', 'two-members'));
const log = (line: string) => process.stdout.write(`${line}\n`);

/** host:port or a URL with its port moved by `by`. */
function shift(value: string, by: number): string {
  if (by === 0 || !value) return value;
  if (/^[\w.-]+:\d+$/.test(value)) {
    const [host, port] = value.split(':');
    return `${host}:${Number(port) + by}`;
  }
  const url = new URL(value);
  url.port = String(Number(url.port) + by);
  return url.toString().replace(/\/$/, '');
}

function memberEnv(name: string): Record<string, string> {
  const file = projectPath('docs', 'examples', 'two-members', `${name}.env`);
  const env = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'CHAIN_RPC_URL', 'CHAIN_WS_URL', 'PUBLIC_URL']) {
    env[key] = shift(env[key], offset);
  }
  env.PORT = String(Number(env.PORT) + offset);
  if (args['data-dir']) env.SQLITE_PATH = join(dataDir, name, 'baton.sqlite');
  // A PostgreSQL server named by the environment (the test suite's second
  // pass) gets a database per member, as `npm start` does: never a shared one.
  if (!env.DATABASE_URL && process.env.DATABASE_URL)
    env.DATABASE_URL = memberDatabaseUrl(process.env.DATABASE_URL, `${name}_${offset}`);
  return env;
}

const port = (hostPortOrUrl: string) => Number(hostPortOrUrl.split(':').pop()!.replace(/\/.*$/, ''));

async function waitForGateway(url: string, processes: MemberProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = processes.find((p) => p.failed);
    if (dead) throw new Error(`${dead.name} keeps failing; see ${dead.logFile}\n${await dead.logTail()}`);
    const ready = await fetch(`${url}/api/v1/status`, { signal: AbortSignal.timeout(3_000) })
      .then(async (res) => ((await res.json()) as { ready?: boolean }).ready === true)
      .catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`gateway ${url} not ready after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const envs = MEMBERS.map((m) => memberEnv(m.name));
  const [first] = envs;
  const unresponsiveAfterMs = memberUnresponsiveMsFromEnv();
  for (const [i, env] of envs.entries()) {
    if (env.MEMBER_KEY !== MEMBERS[i].account.privateKey)
      throw new Error(`${MEMBERS[i].name}.env: MEMBER_KEY is not dev account #${i + 1}`);
    for (const key of ['TEMPORAL_ADDRESS', 'CHAIN_RPC_URL', 'CHAIN_WS_URL', 'SEQUENCER_ADDRESS'])
      if (env[key] !== first[key]) throw new Error(`the example expects both members to share ${key}`);
  }
  const processes: MemberProcess[] = [];
  let temporal: TemporalDevServer | undefined;
  let chain: LocalChain | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(processes.map((p) => p.stop()));
    await chain?.stop();
    await temporal?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    const cli = await findOrInstallTemporalCli({ projectRoot: PROJECT_ROOT, log });
    temporal = await TemporalDevServer.start({
      cli,
      dataDir: join(dataDir, 'temporal'),
      port: port(first.TEMPORAL_ADDRESS),
      uiPort: port(first.TEMPORAL_UI_URL),
      namespaces: envs.map((e) => e.TEMPORAL_NAMESPACE),
      searchAttributes: SEARCH_ATTRIBUTES,
      log,
    });
    chain = await LocalChain.start({
      dataDir: join(dataDir, 'chain'),
      port: port(first.CHAIN_RPC_URL),
      projectRoot: PROJECT_ROOT,
      log,
    });
    await deployAndRegister(chain.rpcUrl, first.SEQUENCER_ADDRESS, envs);
    for (const [i, env] of envs.entries()) {
      // Create (PostgreSQL) and migrate once here, so the gateway and the worker never race to do it.
      // A test's fresh data folder (--data-dir) starts a fresh chain, so its database starts empty too.
      if (env.DATABASE_URL && args['data-dir']) await dropPostgresDatabase(env.DATABASE_URL);
      if (env.DATABASE_URL) await ensurePostgresDatabase(env.DATABASE_URL);
      await (await openDatabase({ databaseUrl: env.DATABASE_URL, sqlitePath: env.SQLITE_PATH }, true)).destroy();
      const logDir = join(dataDir, 'logs');
      for (const role of ['worker', 'gateway'] as const)
        processes.push(MemberProcess.start({ member: MEMBERS[i].name, role, env, logDir, log, unresponsiveAfterMs }));
    }
    await Promise.all(envs.map((env) => waitForGateway(env.PUBLIC_URL, processes)));
  } catch (err) {
    log(`the two members did not start: ${(err as Error).message}`);
    return stop(1);
  }
  log(`TWO MEMBERS READY ${envs.map((e) => `${e.MEMBER_NAME}=${e.PUBLIC_URL}`).join(' ')} (Ctrl-C stops)`);
}

/** Deploys the Sequencer (dev account #0) unless it is there, then registers the members not yet registered. */
async function deployAndRegister(rpcUrl: string, address: string, envs: Record<string, string>[]): Promise<void> {
  const owner = new SequencerClient({ rpcUrl, address, privateKey: DEV_ACCOUNTS[0].privateKey });
  try {
    if (!(await owner.hasCode())) {
      const deployed = await SequencerClient.deploy(rpcUrl, DEV_ACCOUNTS[0].privateKey);
      if (deployed.toLowerCase() !== address.toLowerCase())
        throw new Error(`the Sequencer was deployed at ${deployed}, the env files say ${address}: use a fresh chain`);
      log(`Sequencer deployed at ${deployed}`);
    }
    for (const [i, env] of envs.entries()) {
      if (await owner.isMember(MEMBERS[i].account.address)) continue;
      await owner.addMember(MEMBERS[i].account.address, env.MEMBER_NAME, env.PUBLIC_URL);
      log(`member ${env.MEMBER_NAME} registered at ${env.PUBLIC_URL}`);
    }
  } finally {
    owner.destroy();
  }
}

await main();
