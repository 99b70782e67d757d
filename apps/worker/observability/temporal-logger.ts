import type { Logger as TemporalLogger, LogLevel as TemporalLevel, LogMetadata } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../../shared/logger.js';

const LEVELS: Record<TemporalLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger (worker, workflow and activity context loggers,
 * forwarded core logs) written as our JSON lines. Process workflow ids are
 * `<type>/<processId>/<member>` (workflows/definitions.ts), so lines about a
 * workflow carry its processId too.
 */
export function temporalLogger(log: Logger): TemporalLogger {
  const write = (level: TemporalLevel, message: string, meta?: LogMetadata) => {
    const workflowId = typeof meta?.workflowId === 'string' ? meta.workflowId : undefined;
    const processId = workflowId?.split('/')[1];
    const fields: Record<string, unknown> = processId ? { processId } : {};
    // Errors have no enumerable fields: JSON would show them as {}.
    for (const [key, value] of Object.entries(meta ?? {}))
      fields[key] = value instanceof Error ? (value.stack ?? value.message) : value;
    log[LEVELS[level]](message, fields);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/**
 * Makes the Temporal SDK write its lines through `log`, as JSON; call it
 * before any connection. (Forwarding the core's logs as well crashed the
 * process at start with better-sqlite3 loaded.)
 */
export function installTemporalLogging(log: Logger): void {
  Runtime.install({
    logger: temporalLogger(log.child({ sdk: 'temporal' })),
    // The native core writes its own lines (retries, slow workflow tasks) to
    // stderr, beside pino's: as JSON too, so the log stays one JSON object a line.
    // (Forwarding them into pino instead made workers abort at start with this SDK.)
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, console: { format: 'json' } } },
  });
}
