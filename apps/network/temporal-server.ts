import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { ensureSearchAttributes, type SearchAttributeType } from './temporal-search-attributes.js';

export interface TemporalDevServerOptions {
  /** Path of the `temporal` CLI (see findOrInstallTemporalCli). */
  cli: string;
  /** Holds the SQLite db `temporal.db` (state survives restarts) and `temporal.log`. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** gRPC frontend port, usually 7233. */
  port: number;
  /** Web UI port, usually 8233. */
  uiPort: number;
  namespaces: string[];
  /** Registered in every namespace. */
  searchAttributes: Record<string, SearchAttributeType>;
  log?: (line: string) => void;
  /** How long to wait for the server to answer. Default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Niceness for the server (0 to 19; default 0). The local network runs it
   * above 0 so that, when every process shares a few cores, the server's bulk
   * work queues behind the members' gateways and ledger readers (see
   * docs/deployment.md). Ignored on Windows.
   */
  nice?: number;
  /**
   * Once ready, the server is asked to describe its first namespace every few
   * seconds; after this long without an answer it is killed, so that whoever
   * supervises it (the local network) starts it again on its database.
   * Default 0: not watched.
   */
  unresponsiveAfterMs?: number;
}

const STOP_GRACE_MS = 10_000;
/** How often the watchdog asks a ready server for its first namespace, and how long each question may take. */
const WATCH_EVERY_MS = 5_000;

/**
 * A `temporal server start-dev` child process with a persistent SQLite file.
 *
 * @example
 * const server = await TemporalDevServer.start({ cli, dataDir: '.baton/temporal', port: 7233,
 *   uiPort: 8233, namespaces: ['buyer'], searchAttributes: { BatonStatus: 'Keyword' } });
 * // ... Connection.connect({ address: server.address })
 * await server.stop();
 */
export class TemporalDevServer {
  readonly address: string;
  readonly uiUrl: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<void>;
  private stopping = false;
  private readonly killOnParentExit = (): void => {
    this.child.kill('SIGKILL');
  };

  private constructor(
    private readonly child: ChildProcess,
    host: string,
    port: number,
    uiPort: number,
    private readonly log: (line: string) => void,
  ) {
    this.address = `${host}:${port}`;
    this.uiUrl = `http://${host}:${uiPort}`;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    process.once('exit', this.killOnParentExit);
  }

  static async start(o: TemporalDevServerOptions): Promise<TemporalDevServer> {
    const host = o.host ?? '127.0.0.1';
    const log = o.log ?? ((): void => undefined);
    const logFile = join(o.dataDir, 'temporal.log');
    const dbFile = join(o.dataDir, 'temporal.db');
    mkdirSync(o.dataDir, { recursive: true });

    // A busy port would otherwise surface as a confusing early exit or, worse,
    // a connection to someone else's server.
    for (const [what, port] of [
      ['gRPC', o.port],
      ['UI', o.uiPort],
    ] as const) {
      const problem = await portProblem(host, port);
      if (problem) throw new Error(`Temporal dev server: ${what} port ${host}:${port} ${problem}`);
    }

    const args = ['server', 'start-dev', '--db-filename', dbFile, '--ip', host];
    args.push('--port', String(o.port), '--ui-port', String(o.uiPort), '--log-level', 'warn');
    // WAL with synchronous=NORMAL survives a killed process (not a power cut)
    // and spares the fsync per commit that otherwise bounds the whole network.
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
    for (const ns of o.namespaces) args.push('--namespace', ns);
    for (const [name, type] of Object.entries(o.searchAttributes)) {
      args.push('--search-attribute', `${name}=${type}`);
    }

    const nice = o.nice ? `, nice ${o.nice}` : '';
    log(`temporal: starting dev server on ${host}:${o.port} (UI ${o.uiPort}${nice}), db ${dbFile}, log ${logFile}`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      // Through nice(1), which execs the server: every thread the server makes inherits the niceness.
      const [command, commandArgs] =
        o.nice && process.platform !== 'win32' ? ['nice', ['-n', String(o.nice), o.cli, ...args]] : [o.cli, args];
      child = spawn(command, commandArgs, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    const server = new TemporalDevServer(child, host, o.port, o.uiPort, log);
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });

    try {
      await server.waitReady(o, logFile, () => spawnError);
      await server.withConnection((conn) => ensureSearchAttributes(conn, o.namespaces, o.searchAttributes, log));
    } catch (err) {
      await server.stop();
      throw err;
    }
    if (o.unresponsiveAfterMs) void server.watch(o.namespaces[0], o.unresponsiveAfterMs);
    log(`temporal: ready at ${server.address}, UI ${server.uiUrl}`);
    return server;
  }

  /** The server's process id (undefined when it could not be spawned). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Asks the server to describe `namespace` every WATCH_EVERY_MS until it
   * exits or is stopped, and kills it once nothing was answered for
   * `unresponsiveAfterMs`. Seen with 200 processes in flight on two cores:
   * the dev server's SQLite transactions were all "interrupted", its one
   * history shard could not be acquired again, and from then on every call
   * failed, with the CPU idle, until the server was restarted.
   */
  private async watch(namespace: string, unresponsiveAfterMs: number): Promise<void> {
    const gone = new AbortController();
    void this.exited.then(() => gone.abort());
    let conn: Connection | undefined;
    let lastAnswer = Date.now();
    try {
      for (;;) {
        await sleep(WATCH_EVERY_MS, undefined, { signal: gone.signal }).catch(() => undefined);
        if (gone.signal.aborted || this.stopping) return;
        try {
          conn ??= await Connection.connect({ address: this.address, connectTimeout: WATCH_EVERY_MS });
          const asked = conn;
          await asked.withDeadline(Date.now() + WATCH_EVERY_MS, () =>
            asked.workflowService.describeNamespace({ namespace }),
          );
          lastAnswer = Date.now();
        } catch (err) {
          const silentMs = Date.now() - lastAnswer;
          if (silentMs < unresponsiveAfterMs || gone.signal.aborted || this.stopping) continue;
          this.log(
            `temporal: no answer for ${Math.round(silentMs / 1000)} s (${(err as Error).message}); ` +
              'killing the dev server so that it starts again',
          );
          this.child.kill('SIGKILL');
          return;
        }
      }
    } finally {
      await conn?.close().catch(() => undefined);
    }
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.killOnParentExit);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.log('temporal: no exit 10 s after SIGTERM, sending SIGKILL');
        this.child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private async waitReady(
    o: TemporalDevServerOptions,
    logFile: string,
    spawnError: () => Error | undefined,
  ): Promise<void> {
    const timeoutMs = o.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no attempt yet';
    for (;;) {
      const err = spawnError();
      if (err) throw new Error(`Temporal dev server: could not run ${o.cli}: ${err.message}`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        const how = this.child.exitCode !== null ? `code ${this.child.exitCode}` : this.child.signalCode;
        throw new Error(
          `Temporal dev server exited early (${how}). Last lines of ${logFile}:\n${await logTail(logFile)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Temporal dev server not ready after ${timeoutMs / 1000} s (${lastError}). ` +
            `Last lines of ${logFile}:\n${await logTail(logFile)}`,
        );
      }
      try {
        await this.withConnection(async (conn) => {
          for (const namespace of o.namespaces) {
            await conn.workflowService.describeNamespace({ namespace });
          }
        });
        return;
      } catch (e) {
        lastError = (e as Error).message;
        await sleep(500);
      }
    }
  }

  private async withConnection(fn: (conn: Connection) => Promise<void>): Promise<void> {
    const conn = await Connection.connect({
      address: this.address,
      connectTimeout: 2_000,
    });
    try {
      await fn(conn);
    } finally {
      await conn.close();
    }
  }
}

/** Undefined when the port can be bound, otherwise why not. */
function portProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound: ${err.message}`),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n') || '(log is empty)';
  } catch {
    return '(no log file)';
  }
}
