import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { ProjectionActivities } from '../../../workflows/activities.js';
import { processWorkflowId } from '../../../workflows/definitions.js';
import { inTransaction, nowIso } from '../../shared/db/data-source.js';
import { ProcessRecord } from '../../shared/db/entities.js';
import { appendEvents } from '../../shared/db/event-log.js';
import { processEventRecords, processRow } from '../../shared/db/process-row.js';
import type { Logger } from '../../shared/logger.js';

/** Saves the workflow's view of a process and its events in one transaction. */
export function createProjectionActivities(ds: DataSource, log?: Logger): ProjectionActivities {
  return {
    async recordProcess({ state, events }) {
      let previous: string | undefined;
      await inTransaction(ds, async (em) => {
        const now = nowIso();
        const existing = await em.findOneBy(ProcessRecord, { id: state.processId });
        previous = existing?.status;
        // The ledger projector got there first (it runs before each delivery):
        // an older state, like a workflow's first write, never overwrites a newer one.
        // insert/update rather than save(), which would read the row again.
        const workflowId = processWorkflowId(state.processType, state.processId, state.member);
        const row = (createdAt: string) =>
          processRow(state, { workflowId, createdAt, updatedAt: now }) as QueryDeepPartialEntity<ProcessRecord>;
        if (!existing) await em.insert(ProcessRecord, row(now));
        else if (state.appliedIndex >= existing.appliedIndex)
          await em.update(ProcessRecord, { id: state.processId }, row(existing.createdAt));
        await appendEvents(em, processEventRecords(events));
      });
      // Logged once committed, so a rolled-back attempt leaves no line.
      if (previous !== state.status)
        log?.info(`process ${state.status}`, {
          processId: state.processId,
          processType: state.processType,
          status: state.status,
          previous,
        });
      for (const e of events)
        log?.debug('process event', { processId: e.processId, event: e.type, step: e.step, pin: e.pin });
    },
  };
}
