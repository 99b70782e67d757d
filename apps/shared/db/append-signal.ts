import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { shown } from '../shown.js';
import type { DatabaseOptions } from './data-source.js';
import { isPostgresUrl } from './postgres.js';

/** PostgreSQL channel that appendEvents notifies in the appending transaction (delivered at commit). */
export const APPEND_CHANNEL = 'baton_events';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Tells a process that another process of the same member may have appended
 * to the event log, so it can read it at once instead of polling for it: on
 * PostgreSQL through LISTEN on APPEND_CHANNEL, on SQLite by watching the
 * database's write-ahead log, which every commit writes. A wake-up is a hint,
 * never a promise: readers still read the log itself, and poll while `live`
 * is false (not yet connected, the listening connection lost, the directory
 * not watchable) or while announcements go missing (see PollPace).
 */
export class AppendSignal {
  private live_ = false;
  private stopped = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private client?: pg.Client;
  private watcher?: FSWatcher;

  constructor(
    private readonly options: DatabaseOptions,
    private readonly onAppend: () => void,
    private readonly log: Logger,
  ) {}

  /** True while appends are being announced. */
  get live(): boolean {
    return this.live_;
  }

  start(): void {
    if (this.stopped) return;
    if (isPostgresUrl(this.options.databaseUrl)) void this.listen();
    else this.watchWal();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.live_ = false;
    clearTimeout(this.retryTimer);
    this.watcher?.close();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    this.client = client;
    client.on('notification', () => this.onAppend());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${APPEND_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.stopped || this.client !== client) return void client.end().catch(() => undefined);
    this.up();
  }

  private watchWal(): void {
    const file = resolve(this.options.sqlitePath);
    const wal = `${basename(file)}-wal`;
    try {
      // The directory, not the file: SQLite deletes and creates the WAL file as
      // the last connection closes and the next opens.
      const watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name === wal) this.onAppend();
      });
      watcher.on('error', (err) => this.lost(watcher, err));
      this.watcher = watcher;
    } catch (err) {
      this.lost(undefined, err);
      return;
    }
    this.up();
  }

  private up(): void {
    this.live_ = true;
    this.retryMs = RETRY_MIN_MS;
    // Appends made while nobody listened were not announced.
    this.onAppend();
  }

  private lost(source: pg.Client | FSWatcher | undefined, err?: unknown): void {
    if (this.stopped || (source && source !== this.client && source !== this.watcher)) return;
    if (this.live_ || this.retryMs === RETRY_MIN_MS)
      this.log.warn('event log appends are not announced; polling until they are again', {
        error: err === undefined ? 'connection ended' : shown(err instanceof Error ? err.message : err),
        retryInMs: this.retryMs,
      });
    this.live_ = false;
    this.client = undefined;
    this.watcher = undefined;
    if (source instanceof pg.Client) void source.end().catch(() => undefined);
    else source?.close();
    this.retryTimer = setTimeout(() => this.start(), this.retryMs);
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }
}

/**
 * How long a reader of the event log waits between reads: `pollMs` while
 * appends are not announced, at most once a `quietMs` (a safety net) while
 * they are. A read that finds the log grown while announcements are live but
 * none came since the read before counts as a miss; `MAX_MISSES` in a row
 * (announcements that never come, as through a PostgreSQL pooler in
 * transaction mode, which drops LISTEN) and the reader goes back to polling
 * for good.
 */
export class PollPace {
  static readonly MAX_MISSES = 3;
  private misses = 0;
  private announced = false;
  private distrusted = false;

  constructor(
    private readonly pollMs: number,
    private readonly quietMs: number,
  ) {}

  /** An announcement arrived. */
  heard(): void {
    this.announced = true;
  }

  /** As a read starts: whether an announcement came since the last read started. */
  begin(): boolean {
    const announced = this.announced;
    this.announced = false;
    return announced;
  }

  /**
   * After a read that found new events (`grew`) or not; `announced` when an
   * announcement asked for it. True the one time announcements stop being trusted.
   */
  read(grew: boolean, announced: boolean, live: boolean): boolean {
    if (this.distrusted || !grew || !live) return false;
    this.misses = announced ? 0 : this.misses + 1;
    if (this.misses < PollPace.MAX_MISSES) return false;
    this.distrusted = true;
    return true;
  }

  /** Wait before the next read when no announcement comes first. */
  intervalMs(live: boolean): number {
    return live && !this.distrusted ? Math.max(this.pollMs, this.quietMs) : this.pollMs;
  }
}
