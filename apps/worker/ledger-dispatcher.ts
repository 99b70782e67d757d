import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { In, type DataSource } from 'typeorm';
import { ledgerEventSignal, processWorkflowOptions } from '../../workflows/definitions.js';
import type { LedgerDelivery, LedgerMessage, ProcessStartedMessage } from '../../workflows/messages.js';
import type { ProcessArgs } from '../../workflows/process-state.js';
import type { MemberDirectory } from '../shared/chain/member-directory.js';
import { LedgerPinRecord, PrivateMessageRecord } from '../shared/db/entities.js';
import type { Logger } from '../shared/logger.js';
import type { WorkerMetrics } from './metrics.js';

/** Contexts handed to Temporal at the same time (each context's pins stay in order). */
const PARALLEL_CONTEXTS = 32;

/**
 * Hands projected pins (ledger-projector.ts) to the member's process
 * workflows, in pin order within each context, with signal-with-start. A
 * workflow the dispatcher starts gets the context's whole projected history
 * in its arguments and applies it before acting, so a member rebuilding from
 * block 0 with an empty Temporal namespace runs only what the ledger says is
 * still to do. A pin is marked delivered only after Temporal accepted the
 * signal; a crash in between delivers it again and the workflow ignores the
 * duplicate. A closed workflow (REJECT_DUPLICATE) takes no more deliveries:
 * the projector has already recorded what they change (a late cancel's
 * refusal), so its pins are marked delivered.
 */
export class LedgerDispatcher {
  constructor(
    private readonly ds: DataSource,
    private readonly temporal: Client,
    private readonly directory: MemberDirectory,
    private readonly member: string,
    private readonly log: Logger,
    private readonly metrics?: WorkerMetrics,
  ) {}

  /** Delivers what can be delivered now; returns how many pins it settled. */
  async dispatchOnce(): Promise<number> {
    const contexts = (
      await this.ds
        .getRepository(LedgerPinRecord)
        .createQueryBuilder('p')
        .select('p.context', 'context')
        .addSelect('MIN(p.pin)', 'first')
        .where('p.state = :projected', { projected: 'projected', pending: 'pending' })
        .andWhere((qb) => {
          // A context waits while any of its recorded pins lacks its data: a
          // workflow must never act on a history the ledger has already
          // gone past (a member rebuilding asks peers for data in any order).
          const waiting = qb
            .subQuery()
            .select('1')
            .from(LedgerPinRecord, 'q')
            .where('q.context = p.context')
            .andWhere('q.state = :pending')
            .getQuery();
          return `NOT EXISTS ${waiting}`;
        })
        .groupBy('p.context')
        .orderBy('first', 'ASC')
        .limit(200)
        .getRawMany<{ context: string }>()
    ).map((r) => r.context);
    let settled = 0;
    for (let i = 0; i < contexts.length; i += PARALLEL_CONTEXTS) {
      const counts = await Promise.all(contexts.slice(i, i + PARALLEL_CONTEXTS).map((c) => this.deliverContext(c)));
      settled += counts.reduce((a, b) => a + b, 0);
    }
    return settled;
  }

  private async deliverContext(context: string): Promise<number> {
    const pins = await this.ds.getRepository(LedgerPinRecord).find({
      where: { context, state: In(['projected', 'delivered']) },
      order: { contextIndex: 'ASC' },
    });
    const bodies = new Map(
      (
        await this.ds
          .getRepository(PrivateMessageRecord)
          .find({ select: { hash: true, body: true }, where: { hash: In(pins.map((p) => p.hash)) } })
      ).map((m) => [m.hash, m.body]),
    );
    const history: LedgerDelivery[] = [];
    for (const pin of pins) {
      const body = bodies.get(pin.hash);
      if (!body || pin.contextIndex !== history.length + 1) break;
      const author = await this.directory.byAccount(pin.author);
      history.push({
        index: pin.contextIndex,
        pin: pin.pin,
        batch: pin.batch,
        blockNumber: pin.blockNumber,
        author: author?.name ?? pin.author,
        message: JSON.parse(body) as LedgerMessage,
      });
    }
    const start = history.map((d) => d.message).find((m): m is ProcessStartedMessage => m.kind === 'process-started');
    const todo = pins.filter((p) => p.state === 'projected' && p.contextIndex <= history.length);
    if (!start || todo.length === 0) return 0;
    let settled = 0;
    for (const pin of todo) {
      const delivery = history[pin.contextIndex - 1];
      const open = await this.signal(start, delivery, history).catch((err: unknown) => {
        this.log.warn('delivery failed', {
          processId: start.processId,
          pin: pin.pin,
          batch: pin.batch,
          error: String(err),
        });
        throw err;
      });
      const pinsDone = open ? [pin.pin] : todo.filter((p) => p.contextIndex >= pin.contextIndex).map((p) => p.pin);
      await this.ds.getRepository(LedgerPinRecord).update({ pin: In(pinsDone) }, { state: 'delivered' });
      this.metrics?.deliveries.inc(pinsDone.length);
      settled += pinsDone.length;
      this.log.debug(open ? 'pin delivered' : 'process already finished; deliveries recorded only', {
        processId: start.processId,
        pin: pin.pin,
        batch: pin.batch,
        index: pin.contextIndex,
        kind: delivery.message.kind,
        author: delivery.author,
      });
      if (!open) break;
    }
    return settled;
  }

  /** Signals (or starts) the member's workflow; false when it has already finished. */
  private async signal(
    start: ProcessStartedMessage,
    delivery: LedgerDelivery,
    history: LedgerDelivery[],
  ): Promise<boolean> {
    const args: ProcessArgs = {
      processId: start.processId,
      processType: start.processType,
      member: this.member,
      initiator: start.author,
      input: start.input,
      participants: start.participants,
      history,
    };
    try {
      await this.temporal.workflow.signalWithStart('processWorkflow', {
        ...processWorkflowOptions(args),
        args: [args],
        signal: ledgerEventSignal,
        signalArgs: [delivery],
      });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }
}
