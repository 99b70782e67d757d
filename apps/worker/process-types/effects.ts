import type { DataSource } from 'typeorm';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { EffectRecord } from '../../shared/db/entities.js';
import type { StepRequest, StepResult } from '../../../workflows/activities.js';

/** A member's implementation of one action or compensation of a process type. */
export type StepImplementation = (request: StepRequest) => Promise<StepResult>;

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
