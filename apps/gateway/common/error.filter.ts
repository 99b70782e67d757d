import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from '../../shared/logger.js';
import { ApiError } from './api-error.js';
import { temporalDidNotAnswer } from './temporal-silence.js';

const CODES: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
};

/** Every error leaves the gateway as `{ error: { code, message, details? } }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    if (status >= 500) this.log.error('request failed', { error: String((exception as Error)?.stack ?? exception) });
    res.status(status).json({ error: body });
  }

  private describe(exception: unknown): { status: number; body: { code: string; message: string; details?: unknown } } {
    if (exception instanceof ApiError)
      return {
        status: exception.status,
        body: { code: exception.code, message: exception.message, details: exception.details },
      };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse() as string | { message?: unknown };
      const message = typeof response === 'string' ? response : response.message;
      const details = Array.isArray(message) ? message : undefined;
      return {
        status,
        body: {
          // Nest maps body-parser's JSON SyntaxError (and bad %-encoding in a path) to a 400 with the cause.
          code:
            exception.cause instanceof SyntaxError || exception.cause instanceof URIError
              ? 'malformed-request'
              : (CODES[status] ?? (status >= 500 ? 'internal-error' : 'invalid-request')),
          message: details ? 'the request is not valid' : typeof message === 'string' ? message : exception.message,
          details,
        },
      };
    }
    // Body-parser errors (malformed JSON, body too large) carry their own status.
    const status = Number((exception as { status?: unknown })?.status);
    if (status >= 400 && status < 500)
      return {
        status,
        body: {
          code: status === 413 ? 'payload-too-large' : 'malformed-request',
          message: (exception as Error).message,
        },
      };
    if (temporalDidNotAnswer(exception))
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: {
          code: 'temporal-unavailable',
          message:
            'Temporal did not answer in time; the request may still take effect: look at the process before repeating it',
        },
      };
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { code: 'internal-error', message: 'the gateway could not complete the request' },
    };
  }
}
