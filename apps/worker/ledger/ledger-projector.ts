import type { DataSource } from 'typeorm';
import type { LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import { chunks, groupBy, inLists, IN_LIST } from '../../shared/db/chunks.js';
import { inTransaction, nowIso } from '../../shared/db/data-source.js';
import type { LedgerPinRecord, ProcessRecord } from '../../shared/db/entities.js';
import { appendEvents, type NewEvent } from '../../shared/db/event-log.js';
import { messageBodies } from '../../shared/db/message-bodies.js';
import { storedProcessRow } from '../../shared/db/process-row.js';
import { insertRows, marks, sqlRows } from '../../shared/db/sql.js';
import type { Logger } from '../../shared/logger.js';
import { projectProcess, type PinDelivery } from './process-projection.js';

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
  constructor(
    private readonly ds: DataSource,
    private readonly directory: MemberDirectory,
    private readonly member: string,
    private readonly log: Logger,
  ) {}

  async projectOnce(): Promise<Projected> {
    const contexts = await this.readyContexts();
    if (contexts.length === 0) return { pins: 0, events: 0, more: false };
    const more = contexts.length === CONTEXTS_PER_PASS;
    const pins = await inLists(contexts, (part) =>
      sqlRows<LedgerPinRecord>(this.ds, `SELECT * FROM "ledger_pins" WHERE "context" IN (${marks(part.length)})`, part),
    );
    const bodies = await messageBodies(
      this.ds,
      pins.map((p) => p.hash),
    );
    const byContext = groupBy(pins, (p) => p.context);

    const rows: ProcessRecord[] = [];
    const events: NewEvent[] = [];
    const done: number[] = [];
    for (const context of contexts) {
      const ordered = (byContext.get(context) ?? []).sort((a, b) => a.contextIndex - b.contextIndex);
      const messages = ordered
        .map((p) => bodies.get(p.hash))
        .map((b) => (b ? (JSON.parse(b) as LedgerMessage) : undefined));
      const start = messages.find((m): m is ProcessStartedMessage => m?.kind === 'process-started');
      if (!start) continue; // data before its process-started message: the context waits
      const projected = await this.fold(start, ordered, messages);
      if (!projected) continue;
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
      for (const part of chunks(done, IN_LIST))
        await sqlRows(
          em,
          `UPDATE "ledger_pins" SET "state" = 'projected' WHERE "state" = 'pending' AND "pin" IN (${marks(part.length)})`,
          part,
        );
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
  async awaitsData(): Promise<boolean> {
    return (
      (await sqlRows(this.ds, `SELECT 1 AS "one" FROM "ledger_pins" WHERE "state" = 'pending' LIMIT 1`)).length > 0
    );
  }

  /** Contexts whose first pending pin has its data, oldest first. */
  private async readyContexts(): Promise<string[]> {
    const rows = await sqlRows<{ context: string }>(
      this.ds,
      `SELECT p."context", MIN(p."pin") AS "first" FROM "ledger_pins" p
       INNER JOIN "private_messages" m ON m."hash" = p."hash"
       WHERE p."state" = 'pending'
         AND NOT EXISTS (SELECT 1 FROM "ledger_pins" q
                         WHERE q."context" = p."context" AND q."state" = 'pending' AND q."contextIndex" < p."contextIndex")
       GROUP BY p."context" ORDER BY "first" LIMIT ${CONTEXTS_PER_PASS}`,
    );
    return rows.map((r) => r.context);
  }

  /** Builds the context's deliveries (member names for pin authors) and folds them (process-projection.ts). */
  private async fold(start: ProcessStartedMessage, pins: LedgerPinRecord[], messages: (LedgerMessage | undefined)[]) {
    const known: PinDelivery[] = [];
    for (const [i, pin] of pins.entries()) {
      const message = messages[i];
      if (!message || pin.contextIndex !== known.length + 1) break;
      const author = (await this.directory.byAccount(pin.author))?.name ?? pin.author;
      known.push({
        pin,
        fresh: pin.state === 'pending',
        delivery: {
          index: pin.contextIndex,
          pin: pin.pin,
          batch: pin.batch,
          blockNumber: pin.blockNumber,
          author,
          message,
        },
      });
    }
    return projectProcess(this.member, start, known);
  }
}
