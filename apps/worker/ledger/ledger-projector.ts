import type { DataSource } from 'typeorm';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import { inLists } from '../../shared/db/chunks.js';
import { inTransaction, nowIso } from '../../shared/db/data-source.js';
import type { ProcessRecord } from '../../shared/db/entities.js';
import { appendEvents, type NewEvent } from '../../shared/db/event-log.js';
import { PinStore } from '../../shared/db/pin-store.js';
import { storedProcessRow } from '../../shared/db/process-row.js';
import { insertRows, marks, sqlRows } from '../../shared/db/sql.js';
import type { Logger } from '../../shared/logger.js';
import { loadContextDeliveries } from './context-deliveries.js';
import { projectProcess } from './process-projection.js';

/** Contexts (processes) projected in one pass, all in one transaction. */
const CONTEXTS_PER_PASS = 500;

export interface Projected {
  pins: number;
  events: number;
  /** True when the pass took as many contexts as it could: more may be ready. */
  more: boolean;
}

/**
 * Turns recorded pins whose private data this member holds into the member's
 * view of each process (the `processes` row) and its event log, by applying
 * them in context order through the same pure state machine the workflows
 * run (workflows/process-state.ts). It needs no Temporal, so a member with an
 * empty database rebuilds every process from block 0 at database speed; the
 * dispatcher hands the pins to the workflows only after they are projected,
 * so the workflows' own writes of the same state and events (same keys) find
 * them there. Pins move pending -> projected here, projected -> delivered in
 * the dispatcher.
 */
export class LedgerProjector {
  private readonly pins: PinStore;

  constructor(
    private readonly ds: DataSource,
    private readonly directory: MemberDirectory,
    private readonly member: string,
    private readonly log: Logger,
  ) {
    this.pins = new PinStore(ds);
  }

  async projectOnce(): Promise<Projected> {
    const contexts = await this.pins.readyToProject(CONTEXTS_PER_PASS);
    if (contexts.length === 0) return { pins: 0, events: 0, more: false };
    const more = contexts.length === CONTEXTS_PER_PASS;
    const rows: ProcessRecord[] = [];
    const events: NewEvent[] = [];
    const done: number[] = [];
    for (const { pins, deliveries, start } of await loadContextDeliveries(
      this.ds,
      this.pins,
      this.directory,
      contexts,
    )) {
      if (!start) continue; // data before its process-started message: the context waits
      const known = deliveries.map((delivery, i) => ({ pin: pins[i], delivery, fresh: pins[i].state === 'pending' }));
      const projected = projectProcess(this.member, start, known);
      done.push(...projected.pins);
      events.push(...projected.events);
      if (projected.row) rows.push(projected.row);
    }
    if (done.length === 0) return { pins: 0, events: 0, more };
    const existing = await inLists(
      rows.map((r) => r.id),
      (part) =>
        sqlRows<Pick<ProcessRecord, 'id' | 'createdAt' | 'status'>>(
          this.ds,
          `SELECT "id", "createdAt", "status" FROM "processes" WHERE "id" IN (${marks(part.length)})`,
          part,
        ),
    );
    const createdAt = new Map(existing.map((r) => [r.id, r.createdAt]));
    const previous = new Map(existing.map((r) => [r.id, r.status]));
    let appended = 0;
    await inTransaction(this.ds, async (em) => {
      const now = nowIso();
      const complete = rows.map((row) => ({ ...row, createdAt: createdAt.get(row.id) ?? now, updatedAt: now }));
      await insertRows(em, 'processes', complete.map(storedProcessRow), { on: ['id'], then: 'update' });
      appended = (await appendEvents(em, events)).length;
      await this.pins.markProjected(em, done);
    });
    this.log.debug('pins projected', { pins: done.length, processes: rows.length, events: appended });
    // Logged once committed; the workflow's own write of the same state finds it and says nothing.
    for (const row of rows)
      if (previous.get(row.id) !== row.status)
        this.log.info(`process ${row.status}`, {
          processId: row.id,
          processType: row.type,
          status: row.status,
          previous: previous.get(row.id),
        });
    return { pins: done.length, events: appended, more };
  }

  /** True while recorded pins still wait for their private data (or for projection). */
  awaitsData(): Promise<boolean> {
    return this.pins.anyPending();
  }
}
