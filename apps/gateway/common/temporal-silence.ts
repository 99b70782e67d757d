import { setTimeout as sleep } from 'node:timers/promises';
import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** gRPC's DEADLINE_EXCEEDED and UNAVAILABLE. */
const UNANSWERED_CODES = new Set([4, 14]);

/** A Temporal call that timed out or found no server, anywhere in the error's chain of causes. */
export function temporalDidNotAnswer(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(e) && UNANSWERED_CODES.has(e.code)) return true;
  }
  return false;
}

/**
 * How long a request asks Temporal again when a call timed out or found no
 * server: a loaded server can take a call after its deadline, and a hung dev
 * server is restarted by the local network after 30 s without an answer.
 */
const TEMPORAL_RETRY_MS = 30_000;
const TEMPORAL_RETRY_PAUSE_MS = 250;

/**
 * `call(attempt)` again while Temporal does not answer, for up to
 * TEMPORAL_RETRY_MS; then the last error is thrown (the error filter makes it
 * a 503). Every try must be safe to repeat: an update under the same update
 * ID, a start under the same workflow ID.
 */
export async function whileTemporalSilent<T>(call: (attempt: number) => Promise<T>): Promise<T> {
  const deadline = Date.now() + TEMPORAL_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!temporalDidNotAnswer(err) || Date.now() >= deadline) throw err;
      await sleep(TEMPORAL_RETRY_PAUSE_MS);
    }
  }
}
