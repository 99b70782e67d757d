import { spawn, execFile } from 'node:child_process';
import { access, constants, mkdir, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type * as TemporalTesting from '@temporalio/testing';

/**
 * Temporal CLI release built by `go install` when no binary is found.
 * v1.5.1 is the newest tag whose go.mod has no `replace` directive:
 * `go install pkg@version` refuses modules with replace directives, so newer
 * tags can only be built from a clone.
 */
export const TEMPORAL_CLI_GO_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

export interface FindTemporalCliOptions {
  /** Repository root; project-local tools live in `<projectRoot>/.tools`. */
  projectRoot: string;
  log: (line: string) => void;
  /** Environment to read TEMPORAL_CLI and PATH from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Allow steps that build or download (go install, official download). Default true. */
  install?: boolean;
}

/**
 * Returns the path of a working `temporal` executable, trying in order:
 * TEMPORAL_CLI, `temporal` on PATH, `<projectRoot>/.tools/bin/temporal`,
 * `go install` into `.tools/bin`, the official download used by @temporalio/testing.
 *
 * @example
 * const cli = await findOrInstallTemporalCli({ projectRoot, log: console.log });
 */
export async function findOrInstallTemporalCli(opts: FindTemporalCliOptions): Promise<string> {
  const env = opts.env ?? process.env;
  const log = (line: string): void => opts.log(`temporal-cli: ${line}`);
  const tried: string[] = [];
  const toolsBin = join(opts.projectRoot, '.tools', 'bin');
  const localCli = join(toolsBin, 'temporal');

  // (a) An explicit choice must work: falling through would hide the mistake.
  const fromEnv = env.TEMPORAL_CLI;
  if (fromEnv) {
    const problem = await checkCli(fromEnv);
    if (problem) throw new Error(`TEMPORAL_CLI=${fromEnv} is not a working temporal CLI: ${problem}`);
    log(`using TEMPORAL_CLI=${fromEnv}`);
    return fromEnv;
  }
  tried.push('TEMPORAL_CLI: not set');

  // (b) On PATH.
  const onPath = await findOnPath('temporal', env.PATH ?? '');
  if (onPath) {
    const problem = await checkCli(onPath);
    if (!problem) {
      log(`using ${onPath} (found on PATH)`);
      return onPath;
    }
    tried.push(`PATH: ${onPath}: ${problem}`);
  } else {
    tried.push('PATH: no `temporal` executable');
  }
  log(`not usable: ${tried[tried.length - 1]}`);

  // (c) Project-local tools folder (filled by earlier runs of step d).
  const localProblem = await checkCli(localCli);
  if (!localProblem) {
    log(`using ${localCli} (project-local)`);
    return localCli;
  }
  tried.push(`${localCli}: ${localProblem}`);
  log(`not usable: ${tried[tried.length - 1]}`);

  if (opts.install === false) {
    throw notFound(tried.concat('installing: disabled by the caller'));
  }

  // (d) Build from source with Go: needs only the Go module proxy.
  const go = await findOnPath('go', env.PATH ?? '');
  if (go) {
    const problem = await goInstall(go, toolsBin, env, log);
    const built = problem ?? (await checkCli(localCli));
    if (!built) {
      log(`using ${localCli} (built with go install)`);
      return localCli;
    }
    tried.push(`go install ${TEMPORAL_CLI_GO_PACKAGE}@${TEMPORAL_CLI_GO_VERSION}: ${built}`);
  } else {
    tried.push('go install: `go` is not on PATH');
  }
  log(`not usable: ${tried[tried.length - 1]}`);

  // (e) The official download that @temporalio/testing performs (needs internet).
  const downloadDir = join(opts.projectRoot, '.tools', 'temporal-download');
  const downloaded = await officialDownload(downloadDir, log);
  if (typeof downloaded === 'object') {
    log(`using ${downloaded.path} (official download)`);
    return downloaded.path;
  }
  tried.push(`official download into ${downloadDir}: ${downloaded}`);
  throw notFound(tried);
}

function notFound(tried: string[]): Error {
  return new Error(
    'No working Temporal CLI found. Tried:\n' +
      tried.map((t) => `  - ${t}`).join('\n') +
      '\nInstall one (https://docs.temporal.io/cli) and set TEMPORAL_CLI, or put `temporal` on PATH.',
  );
}

/** Returns undefined when `<cli> --version` succeeds, otherwise why it failed. */
async function checkCli(cli: string): Promise<string | undefined> {
  try {
    const st = await stat(cli);
    if (!st.isFile()) return 'not a file';
    await access(cli, constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'not executable' : String(err);
  }
  return new Promise((resolve) => {
    execFile(cli, ['--version'], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) resolve(`\`${cli} --version\` failed: ${(stderr || err.message).trim()}`);
      else if (!/temporal/i.test(stdout)) resolve(`\`--version\` printed ${JSON.stringify(stdout.trim())}`);
      else resolve(undefined);
    });
  });
}

async function findOnPath(name: string, pathVar: string): Promise<string | undefined> {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Resolves undefined on success, otherwise the reason. */
async function goInstall(
  go: string,
  gobin: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<string | undefined> {
  await mkdir(gobin, { recursive: true });
  const target = `${TEMPORAL_CLI_GO_PACKAGE}@${TEMPORAL_CLI_GO_VERSION}`;
  log(`building with \`${go} install ${target}\` into ${gobin}`);
  log('this takes several minutes on a cold Go cache (about 4 min on 2 cores); later runs are fast');
  return new Promise((resolve) => {
    const child = spawn(go, ['install', '-v', target], {
      env: { ...env, GOBIN: gobin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        log(`go: ${line}`);
        tail.push(line);
        if (tail.length > 5) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => resolve(`could not run go: ${err.message}`));
    child.on('close', (code) => resolve(code === 0 ? undefined : `exited with code ${code}: ${tail.join(' | ')}`));
  });
}

/** Returns the binary's path, or why the download failed. */
async function officialDownload(downloadDir: string, log: (line: string) => void): Promise<{ path: string } | string> {
  log(`trying the official download (needs internet) into ${downloadDir}`);
  let testing: typeof TemporalTesting;
  try {
    testing = await import('@temporalio/testing');
  } catch (err) {
    return `@temporalio/testing is not installed (${(err as Error).message})`;
  }
  await mkdir(downloadDir, { recursive: true });
  try {
    const env = await testing.TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await env.teardown();
  } catch (err) {
    return `download or start failed: ${(err as Error).message}`;
  }
  const found = await findExecutable(downloadDir);
  if (!found) return `no temporal executable found under ${downloadDir} after the download`;
  const problem = await checkCli(found);
  return problem ? `${found}: ${problem}` : { path: found };
}

async function findExecutable(dir: string): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await findExecutable(full);
      if (inner) return inner;
    } else if (entry.isFile() && entry.name.startsWith('temporal')) {
      try {
        await access(full, constants.X_OK);
        return full;
      } catch {
        // not executable: an archive or checksum
      }
    }
  }
  return undefined;
}
