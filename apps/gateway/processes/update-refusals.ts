import { HttpStatus } from '@nestjs/common';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { UPDATE_REFUSALS } from '../../../workflows/definitions.js';
import { ApiError } from '../common/api-error.js';

const REFUSALS: Record<string, { status: HttpStatus; code: string }> = {
  [UPDATE_REFUSALS.notYourStep]: { status: HttpStatus.FORBIDDEN, code: 'not-your-step' },
  [UPDATE_REFUSALS.unknownStep]: { status: HttpStatus.NOT_FOUND, code: 'unknown-step' },
  [UPDATE_REFUSALS.stepNotReady]: { status: HttpStatus.CONFLICT, code: 'step-not-ready' },
  [UPDATE_REFUSALS.alreadyDecided]: { status: HttpStatus.CONFLICT, code: 'already-decided' },
  [UPDATE_REFUSALS.tooLate]: { status: HttpStatus.CONFLICT, code: 'too-late' },
  [UPDATE_REFUSALS.alreadyRequested]: { status: HttpStatus.CONFLICT, code: 'already-requested' },
  [UPDATE_REFUSALS.notFailed]: { status: HttpStatus.CONFLICT, code: 'not-failed' },
};

/** The API error for an update the workflow's validator refused, if `err` is one. */
export function refusalError(err: unknown): ApiError | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const refusal = err.cause.type ? REFUSALS[err.cause.type] : undefined;
  return refusal && new ApiError(refusal.status, refusal.code, err.cause.message);
}

/** True when the workflow is gone (it finished) or finished while the update was on its way. */
export function isFinishedWorkflowError(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError;
}

export function processFinished(id: string, status: string): ApiError {
  return new ApiError(HttpStatus.CONFLICT, 'process-finished', `process ${id} has already ended: it is ${status}`, {
    status,
  });
}
