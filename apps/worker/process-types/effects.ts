import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { EffectRecord } from '../../shared/db/entities.js';
import type { StepRequest, StepResult } from '../../../workflows/activities.js';
import type { ProcessInput } from '../../../workflows/process-types/input-fields.js';

/** A member's implementation of one action or compensation of a process type. */
export type StepImplementation = (request: StepRequest) => Promise<StepResult>;

/**
 * The step's input, of the type its process type declares. The initiator's
 * gateway checked it, but any member may publish a start: an input the type
 * refuses fails the step for good, with its problems as the reason.
 */
export function stepInput<T>(declared: ProcessInput<T>, request: StepRequest): T {
  if (declared.accepts(request.input)) return request.input;
  throw ApplicationFailure.nonRetryable(
    `${request.processType} input refused: ${declared.problems(request.input).join('; ')}`,
    'InvalidInput',
  );
}

/**
 * Records an effect in the member's own database once: a retried activity
 * finds it there and has no second effect.
 */
export async function recordEffect(
  ds: DataSource,
  request: StepRequest,
  kind: 'action' | 'compensation',
  description: string,
): Promise<void> {
  await writeOnce(ds, (em) =>
    em
      .createQueryBuilder()
      .insert()
      .into(EffectRecord)
      .values({ processId: request.processId, step: request.step, kind, description, recordedAt: nowIso() })
      .orIgnore()
      .execute(),
  );
}
