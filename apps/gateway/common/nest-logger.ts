import type { LoggerService } from '@nestjs/common';
import type { Logger } from '../../shared/logger.js';

/**
 * Nest's own log lines (bootstrap, exceptions it handles itself) written as
 * our JSON lines, so the gateway writes nothing else. Nest calls
 * `log(message, context)` and `error(message, stack?, context)`. Its `log`
 * level is framework chatter (routes mapped, modules loaded): debug here.
 */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.logger.debug(...line(message, params));
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.logger.debug(...line(message, params));
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.debug(...line(message, params));
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(...line(message, params));
  }

  error(message: unknown, ...params: unknown[]): void {
    this.logger.error(...line(message, params, true));
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.error(...line(message, params, true));
  }
}

/** Nest's (message, ...params, context) as our (msg, fields). */
function line(message: unknown, params: unknown[], withStack = false): [string, Record<string, unknown>] {
  const rest = [...params];
  const fields: Record<string, unknown> = {};
  // The context comes last; an error's lone extra parameter is its stack.
  if (typeof rest.at(-1) === 'string' && !(withStack && rest.length === 1 && isStack(rest[0])))
    fields.context = rest.pop();
  if (withStack && rest.length > 0) fields.stack = rest.shift();
  if (rest.length > 0) fields.params = rest;
  if (message instanceof Error) return [message.message, { ...fields, stack: fields.stack ?? message.stack }];
  if (typeof message === 'string') return [message, fields];
  return ['nest', { ...fields, detail: message }];
}

function isStack(value: unknown): boolean {
  return typeof value === 'string' && /\n\s+at /.test(value);
}
