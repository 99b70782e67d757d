import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { call } from './json-rpc.js';
import { assertPortFree } from './ports.js';

export interface HardhatNodeOptions {
  projectRoot: string;
  host: string;
  port: number;
  logFile: string;
  /** Passed to hardhat.config.ts, which pins the genesis block's date. */
  genesisDate: string;
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A `hardhat node` child process; its stdout and stderr go to `logFile`. */
export class HardhatNode {
  readonly url: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<void>;
  private readonly killOnExit = (): void => void this.child.kill('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    private readonly opts: HardhatNodeOptions,
  ) {
    this.url = `http://${opts.host}:${opts.port}`;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve()); // could not spawn: there is nothing to wait for
    });
    // A parent that exits without stop() must not leave an orphan holding the port.
    process.once('exit', this.killOnExit);
  }

  static async start(opts: HardhatNodeOptions): Promise<HardhatNode> {
    await assertPortFree(opts.host, opts.port, 'hardhat node');
    const hardhatPkg = createRequire(join(opts.projectRoot, 'package.json')).resolve('hardhat/package.json');
    const cli = join(dirname(hardhatPkg), 'dist', 'src', 'cli.js');
    const log = openSync(opts.logFile, 'a');
    const child = spawn(process.execPath, [cli, 'node', '--hostname', opts.host, '--port', String(opts.port)], {
      cwd: opts.projectRoot,
      stdio: ['ignore', log, log],
      env: { ...process.env, BATON_CHAIN_GENESIS_DATE: opts.genesisDate },
    });
    closeSync(log); // the child holds its own copy
    const node = new HardhatNode(child, opts);
    await node.waitReady(60_000);
    // Request logging would grow the log file with every poll of every reader.
    await call(node.url, 'hardhat_setLoggingEnabled', [false]);
    return node;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | string | null | undefined;
    this.child.once('exit', (code, signal) => (exitCode = code ?? signal));
    this.child.once('error', (err) => (exitCode = err.message));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) break;
      try {
        await call(this.url, 'eth_chainId');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const why =
      exitCode !== undefined
        ? `exited with code ${exitCode}`
        : `did not answer eth_chainId within ${timeoutMs / 1000}s`;
    await this.stop();
    throw new Error(`hardhat node ${why}. Last lines of ${this.opts.logFile}:\n${logTail(this.opts.logFile)}`);
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
