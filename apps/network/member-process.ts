import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectPath } from '../shared/paths.js';

export interface MemberProcessOptions {
  member: string;
  role: 'gateway' | 'worker';
  env: Record<string, string>;
  logDir: string;
  log: (line: string) => void;
}

/** Restarts in a row after which the launcher gives up on a process. */
const MAX_RESTARTS = 5;

/**
 * One gateway or worker of a member, run from the build and supervised: a
 * process that dies is restarted (it resumes from its database and Temporal),
 * one that keeps dying is reported with its log.
 */
export class MemberProcess {
  readonly name: string;
  readonly logFile: string;
  failed = false;
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(private readonly options: MemberProcessOptions) {
    this.name = `${options.member} ${options.role}`;
    mkdirSync(options.logDir, { recursive: true });
    this.logFile = join(options.logDir, `${options.member}-${options.role}.log`);
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
        env: { ...process.env, ...this.options.env },
        stdio: ['ignore', fd, fd],
      },
    );
    closeSync(fd);
    this.child = child;
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
}
