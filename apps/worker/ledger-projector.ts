import { In, type DataSource } from 'typeorm';
import type { LedgerDelivery, LedgerMessage, ProcessStartedMessage } from '../../workflows/messages.js';
import { applyDelivery, initialState } from '../../workflows/process-state.js';
import { findProcessType } from '../../workflows/process-types/index.js';
import type { MemberDirectory } from '../shared/chain/member-directory.js';
import { inTransaction, nowIso } from '../shared/db/data-source.js';
import { LedgerPinRecord, PrivateMessageRecord, ProcessRecord } from '../shared/db/entities.js';
import { appendEvents, type NewEvent } from '../shared/db/event-log.js';
import { processEventRecords, processRow } from '../shared/db/process-row.js';
import type { Logger } from '../shared/logger.js';

/** Contexts (processes) projected in one pass, all in one transaction. */
const CONTEXTS_PER_PASS = 500;
/** Values in one IN (...) list. */
const IN_LIST = 500;

export interface Projected {
  pins: number;
  events: number;
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
    if (contexts.length === 0) return { pins: 0, events: 0 };
    const pins = await inLists(contexts, (part) =>
      this.ds.getRepository(LedgerPinRecord).find({ where: { context: In(part) } }),
    );
    const bodies = new Map<string, string>();
    for (const m of await inLists(unique(pins.map((p) => p.hash)), (part) =>
      this.ds
        .getRepository(PrivateMessageRecord)
        .find({ select: { hash: true, body: true }, where: { hash: In(part) } }),
    ))
      bodies.set(m.hash, m.body);
    const byContext = new Map<string, LedgerPinRecord[]>();
    for (const p of pins) byContext.set(p.context, [...(byContext.get(p.context) ?? []), p]);

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
    if (done.length === 0) return { pins: 0, events: 0 };
    const existing = await inLists(
      rows.map((r) => r.id),
      (part) =>
        this.ds.getRepository(ProcessRecord).find({ select: { id: true, createdAt: true }, where: { id: In(part) } }),
    );
    const createdAt = new Map(existing.map((r) => [r.id, r.createdAt]));
    let appended = 0;
    await inTransaction(this.ds, async (em) => {
      const now = nowIso();
      for (const row of rows)
        await em.save(ProcessRecord, { ...row, createdAt: createdAt.get(row.id) ?? now, updatedAt: now });
      appended = (await appendEvents(em, events)).length;
      for (let i = 0; i < done.length; i += IN_LIST)
        await em.update(
          LedgerPinRecord,
          { pin: In(done.slice(i, i + IN_LIST)), state: 'pending' },
          { state: 'projected' },
        );
    });
    this.log.debug('pins projected', { pins: done.length, processes: rows.length, events: appended });
    return { pins: done.length, events: appended };
  }

  /** Contexts whose first pending pin has its data, oldest first. */
  private async readyContexts(): Promise<string[]> {
    const rows = await this.ds
      .getRepository(LedgerPinRecord)
      .createQueryBuilder('p')
      .innerJoin(PrivateMessageRecord, 'm', 'm.hash = p.hash')
      .select('p.context', 'context')
      .addSelect('MIN(p.pin)', 'first')
      .where('p.state = :pending', { pending: 'pending' })
      .andWhere((qb) => {
        const earlier = qb
          .subQuery()
          .select('1')
          .from(LedgerPinRecord, 'q')
          .where('q.context = p.context')
          .andWhere('q.state = :pending')
          .andWhere('q.contextIndex < p.contextIndex')
          .getQuery();
        return `NOT EXISTS ${earlier}`;
      })
      .groupBy('p.context')
      .orderBy('first', 'ASC')
      .limit(CONTEXTS_PER_PASS)
      .getRawMany<{ context: string }>();
    return rows.map((r) => r.context);
  }

  /**
   * Applies the context's pins from index 1: those projected before silently,
   * then the run of pending pins that have their data. Returns the new state
   * and the events of the newly applied pins only.
   */
  private async fold(start: ProcessStartedMessage, pins: LedgerPinRecord[], messages: (LedgerMessage | undefined)[]) {
    const type = findProcessType(start.processType);
    const args = {
      processId: start.processId,
      processType: start.processType,
      member: this.member,
      initiator: start.author,
      input: start.input,
      participants: start.participants,
    };
    const newPins: number[] = [];
    const events: NewEvent[] = [];
    if (!type) {
      // The workflow refuses an unknown type too; nothing to project.
      for (const [i, p] of pins.entries()) if (p.state === 'pending' && messages[i]) newPins.push(p.pin);
      return { pins: newPins, events, row: undefined };
    }
    const state = initialState(args, type);
    for (const [i, pin] of pins.entries()) {
      const message = messages[i];
      const fresh = pin.state === 'pending';
      if (!message || pin.contextIndex !== state.appliedIndex + 1) break;
      const author = (await this.directory.byAccount(pin.author))?.name ?? pin.author;
      const delivery: LedgerDelivery = {
        index: pin.contextIndex,
        pin: pin.pin,
        batch: pin.batch,
        blockNumber: pin.blockNumber,
        author,
        message,
      };
      const ignoredBefore = state.ignored.length;
      const caused = applyDelivery(state, delivery, type);
      if (!fresh) continue;
      newPins.push(pin.pin);
      const rejected =
        state.ignored.length > ignoredBefore ? state.ignored[state.ignored.length - 1].reason : undefined;
      events.push(messageEvent(pin, delivery, start, rejected), ...processEventRecords(caused));
    }
    return { pins: newPins, events, row: processRow(state, '', '') };
  }
}

/** `message-confirmed` (the pin matched its private data and applied) or `message-rejected` (ignored, with why). */
function messageEvent(
  pin: LedgerPinRecord,
  d: LedgerDelivery,
  start: ProcessStartedMessage,
  rejected?: string,
): NewEvent {
  const m = d.message;
  const type = rejected === undefined ? 'message-confirmed' : 'message-rejected';
  return {
    key: `${type}/${pin.pin}`,
    type,
    processId: start.processId,
    processType: start.processType,
    topic: start.processType,
    correlator: start.processId,
    data: {
      messageId: m.id,
      kind: m.kind,
      step: 'step' in m ? m.step : undefined,
      author: d.author,
      pin: pin.pin,
      index: pin.contextIndex,
      batch: pin.batch,
      hash: pin.hash,
      blockNumber: pin.blockNumber,
      transactionHash: pin.transactionHash,
      reason: rejected,
    },
  };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

async function inLists<T, R>(values: T[], query: (part: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_LIST) out.push(...(await query(values.slice(i, i + IN_LIST))));
  return out;
}
