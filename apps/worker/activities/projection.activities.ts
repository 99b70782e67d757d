import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { ProjectionActivities } from '../../../workflows/activities.js';
import { inTransaction, nowIso } from '../../shared/db/data-source.js';
import { ProcessRecord } from '../../shared/db/entities.js';
import { appendEvents } from '../../shared/db/event-log.js';
import { processRow } from '../../shared/db/process-row.js';
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
        // update/insert rather than save(): save would read the row a second time.
        // simple-json columns are typed loosely by TypeORM's insert/update; the row is a complete entity.
        const row = processRow(state, existing?.createdAt ?? now, now) as QueryDeepPartialEntity<ProcessRecord>;
        if (existing) await em.update(ProcessRecord, { id: state.processId }, row);
        else await em.insert(ProcessRecord, row);
        await appendEvents(
          em,
          events.map((e) => ({
            key: e.key,
            type: e.type,
            processId: e.processId,
            processType: e.processType,
            topic: e.processType,
            correlator: e.processId,
            data: { status: e.status, step: e.step, pin: e.pin, author: e.author, reason: e.reason },
          })),
        );
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
