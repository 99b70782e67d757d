import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, type MemberConfig } from '../shared/config.js';
import { projectPath } from '../shared/paths.js';
import { whenUnresponsive } from './health-probe.js';

export interface MemberProcessOptions {
  member: string;
  role: 'gateway' | 'worker';
  env: Record<string, string>;
  logDir: string;
  log: (line: string) => void;
  /**
   * How long the process may go without a 200 from its `/healthz` (the
   * gateway's on PORT, the worker's on METRICS_PORT) before it is killed
   * (SIGKILL: a hung event loop handles no SIGTERM) and so started again, in
   * ms; twice that from its start until its first 200 (see whenUnresponsive).
   * 0 or unset: never (the launchers' BATON_MEMBER_UNRESPONSIVE_MS).
   */
  unresponsiveAfterMs?: number;
}

/** Restarts in a row after which the launcher gives up on a process. */
const MAX_RESTARTS = 5;

/**
 * One gateway or worker of a member, run from the build and supervised: a
 * process that dies is restarted (it resumes from its database and Temporal),
 * one that keeps dying is reported with its log, one that stops answering
 * its `/healthz` is killed and so restarted.
 */
export class MemberProcess {
  readonly name: string;
  readonly logFile: string;
  failed = false;
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private readonly env: Record<string, string | undefined>;
  private readonly healthUrl?: string;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(private readonly options: MemberProcessOptions) {
    this.name = `${options.member} ${options.role}`;
    mkdirSync(options.logDir, { recursive: true });
    this.logFile = join(options.logDir, `${options.member}-${options.role}.log`);
    this.env = { ...process.env, ...options.env };
    if (options.unresponsiveAfterMs) this.healthUrl = this.healthUrlOf();
    process.on('exit', this.killOnExit);
  }

  static start(options: MemberProcessOptions): MemberProcess {
    const p = new MemberProcess(options);
    p.spawn();
    return p;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async logTail(lines = 30): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.off('exit', this.killOnExit);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const fd = openSync(this.logFile, 'a');
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', projectPath('dist', 'apps', this.options.role, 'main.js')],
      {
        env: this.env,
        stdio: ['ignore', fd, fd],
      },
    );
    closeSync(fd);
    this.child = child;
    if (this.healthUrl) this.watch(child, this.healthUrl, this.options.unresponsiveAfterMs!);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (Date.now() - started > 60_000) this.restarts = 0;
      if (++this.restarts > MAX_RESTARTS) {
        this.failed = true;
        this.options.log(`${this.name} keeps exiting (last: ${signal ?? code}); not restarting. Log: ${this.logFile}`);
        return;
      }
      this.options.log(`${this.name} exited (${signal ?? `code ${code}`}); restarting`);
      setTimeout(() => this.stopping || this.spawn(), 1_000);
    });
  }

  /** Kills `child` once it stops answering `url` (its exit then restarts it, as any exit does). */
  private watch(child: ChildProcess, url: string, unresponsiveAfterMs: number): void {
    const exited = new AbortController();
    child.once('exit', () => exited.abort());
    void whenUnresponsive({ url, unresponsiveAfterMs, signal: exited.signal }).then((problem) => {
      if (!problem || this.stopping) return;
      this.options.log(
        `${this.name} (pid ${child.pid}) is not answering: ${problem}; killing it (SIGKILL) to restart it`,
      );
      child.kill('SIGKILL');
    });
  }

  /** The process's `/healthz`, where its own settings put it; undefined when it has none. */
  private healthUrlOf(): string | undefined {
    let config: MemberConfig;
    try {
      config = loadConfig(this.env);
    } catch (err) {
      // The process itself will refuse these settings, and exit saying why.
      this.options.log(`${this.name}: /healthz not watched (${(err as Error).message})`);
      return undefined;
    }
    const port = this.options.role === 'gateway' ? config.port : config.metricsPort;
    if (port === 0) return undefined;
    const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`;
  }
}
