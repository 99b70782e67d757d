import { destination as pinoDestination, pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * Structured JSON log lines, one object a line: time, level, member, component,
 * msg and the given fields. Lines about a process carry `processId` and, where
 * known, the ledger `pin` / `batch`; `child` binds such context once.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line also carries `fields` (e.g. `{ processId, pin }`). */
  child(fields: Record<string, unknown>): Logger;
  /** Whether lines of `level` are written: skip gathering what a dropped line would say. */
  enabled(level: LogLevel): boolean;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * @example
 * const log = createLogger('worker', 'buyer', 'info');
 * log.child({ processId }).info('step done', { step: 'ship', pin: 12 });
 *
 * `destination` defaults to stdout (synchronous); tests pass a stream to capture the lines.
 * An unknown level falls back to info.
 */
export function createLogger(
  component: string,
  member: string,
  level = 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    level: LOG_LEVELS.includes(level as LogLevel) ? level : 'info',
    base: { member, component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Synchronous writes: a line logged just before a crash is not lost in a buffer.
  return wrap(pino(options, destination ?? pinoDestination({ dest: 1, sync: true })));
}

function wrap(p: PinoLogger): Logger {
  const write = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) p[lvl](fields, msg);
    else p[lvl](msg);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => wrap(p.child(fields)),
    enabled: (level) => p.isLevelEnabled(level),
  };
}
