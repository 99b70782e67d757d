import type { ArgumentsHost } from '@nestjs/common';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { ErrorFilter } from './error.filter.js';
import { whileTemporalSilent } from './temporal-silence.js';

/** What the filter answers for `exception`: the status and the error body. */
function answer(exception: unknown): { status: number; body: { error: { code: string } } } {
  const sent: { status: number; body: { error: { code: string } } } = { status: 0, body: { error: { code: '' } } };
  const res = {
    status(status: number) {
      sent.status = status;
      return this;
    },
    json(body: { error: { code: string } }) {
      sent.body = body;
    },
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  new ErrorFilter(createLogger('gateway', 'test', 'error', { write: () => undefined })).catch(exception, host);
  return sent;
}

/** A gRPC error as @grpc/grpc-js makes it: a code, details and metadata. */
function grpcError(code: number): Error {
  return Object.assign(new Error(`${code} grpc`), { code, details: 'grpc', metadata: {} });
}

describe('ErrorFilter', () => {
  it('answers 503 temporal-unavailable when Temporal timed out or could not be reached', () => {
    const timedOutUpdate = new WorkflowUpdateRPCTimeoutOrCancelledError('context deadline exceeded', {
      cause: grpcError(4),
    });
    for (const err of [
      timedOutUpdate,
      new ServiceError('start failed', { cause: grpcError(4) }),
      new ServiceError('start failed', { cause: grpcError(14) }),
    ]) {
      const { status, body } = answer(err);
      expect([status, body.error.code]).toEqual([503, 'temporal-unavailable']);
    }
  });

  it('answers 500 internal-error for anything else, other gRPC codes included', () => {
    for (const err of [new Error('boom'), new ServiceError('not allowed', { cause: grpcError(7) })]) {
      const { status, body } = answer(err);
      expect([status, body.error.code]).toEqual([500, 'internal-error']);
    }
  });
});

describe('whileTemporalSilent', () => {
  it('calls again while Temporal does not answer, and returns the first answer', async () => {
    const attempts: number[] = [];
    const answer = await whileTemporalSilent((attempt) => {
      attempts.push(attempt);
      if (attempt === 1) return Promise.reject(new ServiceError('start failed', { cause: grpcError(4) }));
      if (attempt === 2)
        return Promise.reject(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: grpcError(4) }));
      return Promise.resolve('taken');
    });
    expect([answer, attempts]).toEqual(['taken', [1, 2, 3]]);
  });

  it('passes any other error on at once', async () => {
    let calls = 0;
    const refused = new ServiceError('not allowed', { cause: grpcError(7) });
    await expect(
      whileTemporalSilent(() => {
        calls += 1;
        return Promise.reject(refused);
      }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });
});
