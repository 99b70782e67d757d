import type { Logger } from './logger.js';

/**
 * Once a process serves, an exception nobody caught or a promise rejected
 * with nobody waiting on it is a bug in one request's or one connection's
 * path: it is logged with its stack, and the process goes on serving the
 * others (Node's default would stop it, and with it every app and member it
 * serves). Install it after startup: a process that fails to start still stops.
 * A process whose event loop this leaves hung is the health check's to catch.
 *
 * @example
 *   await app.listen(port);
 *   logStrayErrors(log);
 */
export function logStrayErrors(log: Logger): () => void {
  const onException = (err: unknown) => log.error('uncaught exception; the process goes on', { error: errorText(err) });
  const onRejection = (reason: unknown) =>
    log.error('unhandled promise rejection; the process goes on', { error: errorText(reason) });
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}
