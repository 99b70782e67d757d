import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { ledgerEventSignal, processWorkflowOptions } from '../../workflows/definitions.js';
import type { LedgerDelivery, LedgerMessage, ProcessStartedMessage } from '../../workflows/messages.js';
import type { ProcessArgs } from '../../workflows/process-state.js';
import type { MemberDirectory } from '../shared/chain/member-directory.js';
import { LedgerPinRecord, PrivateMessageRecord } from '../shared/db/entities.js';
import { recordLateCancel } from './late-cancel.js';
import { findStartMessage } from '../shared/exchange/message-store.js';
import type { Logger } from '../shared/logger.js';
import type { WorkerMetrics } from './metrics.js';

/** Signals in flight at once; each is one Temporal round trip. */
const DELIVERY_CONCURRENCY = 32;

/**
 * Hands recorded pins whose private data this member holds to the member's
 * process workflows (signal-with-start), in pin order within each context: a
 * context waits while an earlier pin of it lacks data, other contexts go on.
 * A pin is marked delivered only after Temporal accepted the signal; a crash
 * in between delivers it again and the workflow ignores the duplicate.
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
    const ready = await this.ds
      .getRepository(LedgerPinRecord)
      .createQueryBuilder('p')
      .innerJoin(PrivateMessageRecord, 'm', 'm.hash = p.hash')
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
      .orderBy('p.pin', 'ASC')
      .limit(200)
      .getMany();
    // At most one pin per context is ready (an earlier pending pin holds back
    // the later ones), so these deliveries are independent: send them side by
    // side rather than one Temporal round trip after another.
    const failures: unknown[] = [];
    for (let i = 0; i < ready.length; i += DELIVERY_CONCURRENCY)
      for (const r of await Promise.allSettled(ready.slice(i, i + DELIVERY_CONCURRENCY).map((p) => this.deliver(p))))
        if (r.status === 'rejected') failures.push(r.reason);
    if (failures.length > 0) throw failures[0];
    return ready.length;
  }

  private async deliver(pin: LedgerPinRecord): Promise<void> {
    const start = await findStartMessage(this.ds, pin.context);
    if (!start) {
      // Data for this context came before its process-started message: the
      // context waits for it; other contexts go on.
      this.log.debug('waiting for the process-started message', {
        pin: pin.pin,
        batch: pin.batch,
        context: pin.context,
      });
      return;
    }
    const row = await this.ds.getRepository(PrivateMessageRecord).findOneByOrFail({ hash: pin.hash });
    const author = await this.directory.byAccount(pin.author);
    // Invalid pins (unregistered author, message of another process) are still
    // delivered: the workflow ignores them by the same rule at every member.
    const delivery: LedgerDelivery = {
      index: pin.contextIndex,
      pin: pin.pin,
      batch: pin.batch,
      blockNumber: pin.blockNumber,
      author: author?.name ?? pin.author,
      message: JSON.parse(row.body) as LedgerMessage,
    };
    await this.signal(start, delivery).catch((err: unknown) => {
      this.log.warn('delivery failed', {
        processId: start.processId,
        pin: pin.pin,
        batch: pin.batch,
        error: String(err),
      });
      throw err;
    });
    await this.ds.getRepository(LedgerPinRecord).update({ pin: pin.pin }, { state: 'delivered' });
    this.metrics?.deliveries.inc();
    this.log.debug('pin delivered', {
      processId: start.processId,
      pin: pin.pin,
      batch: pin.batch,
      index: pin.contextIndex,
      kind: delivery.message.kind,
      author: delivery.author,
    });
  }

  private async signal(start: ProcessStartedMessage, delivery: LedgerDelivery): Promise<void> {
    const args: ProcessArgs = {
      processId: start.processId,
      processType: start.processType,
      member: this.member,
      initiator: start.author,
      input: start.input,
      participants: start.participants,
    };
    try {
      await this.temporal.workflow.signalWithStart('processWorkflow', {
        ...processWorkflowOptions(args),
        args: [args],
        signal: ledgerEventSignal,
        signalArgs: [delivery],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (await recordLateCancel(this.ds, delivery)) {
        this.log.info('cancel refused: the process had already ended', {
          processId: start.processId,
          pin: delivery.pin,
        });
        return;
      }
      this.log.debug('process already finished; delivery ignored', {
        processId: start.processId,
        pin: delivery.pin,
        batch: delivery.batch,
      });
    }
  }
}
