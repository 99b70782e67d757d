import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import {
  ledgerEventsSignal,
  PROCESS_WORKFLOW,
  processWorkflowId,
  processWorkflowOptions,
} from '../../../workflows/definitions.js';
import type { LedgerDelivery } from '../../../workflows/messages.js';
import type { ProcessArgs } from '../../../workflows/process-state.js';
import { findProcessType } from '../../../workflows/process-types/index.js';
import type { processWorkflow } from '../../../workflows/process.workflow.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import { chunks, mapInWaves } from '../../shared/db/chunks.js';
import { writeOnce } from '../../shared/db/data-source.js';
import { PinStore } from '../../shared/db/pin-store.js';
import { sqlRows } from '../../shared/db/sql.js';
import { processContext } from '../../shared/exchange/canonical.js';
import type { Logger } from '../../shared/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import { loadContextDeliveries, type ContextDeliveries } from './context-deliveries.js';
import { deliveriesNeeded } from './delivery-policy.js';

/** Contexts handed to Temporal at the same time (each context's pins stay in order). */
const PARALLEL_CONTEXTS = 32;
/** Contexts read in one pass. */
const CONTEXTS_PER_PASS = 200;

/** What a pass settled: pins delivered (or recorded only), and pins held back. */
interface PassMarks {
  delivered: number[];
  held: number[];
}

/**
 * Hands projected pins (ledger-projector.ts) to the member's process
 * workflows, in pin order within each context, with signal-with-start. Pins
 * that ask nothing of the member's workflow (deliveriesNeeded: another
 * member's step done, say) are held back (state `held`) and travel in one
 * signal with the next pin that does, or alone once they have waited
 * `holdMs`: each would otherwise cost a signal and a workflow task at
 * Temporal for nothing (10 signals a trade instead of 18). The member's API,
 * events and projection never wait: the projector wrote them already. A
 * workflow the dispatcher starts gets the context's whole projected history
 * in its arguments and applies it before acting, so a member rebuilding from
 * block 0 with an empty Temporal namespace runs only what the ledger says is
 * still to do. A pin is marked delivered only after Temporal accepted the
 * signal (the pins a pass delivered, in one write at its end); a crash in
 * between delivers them again and the workflow ignores the duplicates. A
 * closed workflow (REJECT_DUPLICATE) takes no more deliveries: the projector
 * has already recorded what they change (a late cancel's refusal), so its
 * pins are marked delivered.
 */
export class LedgerDispatcher {
  private readonly pins: PinStore;

  constructor(
    private readonly ds: DataSource,
    private readonly temporal: Client,
    private readonly directory: MemberDirectory,
    private readonly member: string,
    private readonly log: Logger,
    private readonly metrics?: WorkerMetrics,
    private readonly holdMs = 0,
  ) {
    this.pins = new PinStore(ds);
  }

  /** Delivers what can be delivered now; returns how many pins it settled or held. */
  async dispatchOnce(): Promise<number> {
    // Pins held past the hold go now, with their context's others.
    const due = new Date(Date.now() - this.holdMs).toISOString();
    const contexts = await this.pins.readyToDeliver(due, CONTEXTS_PER_PASS);
    if (contexts.length === 0) return 0;
    const loaded = await loadContextDeliveries(this.ds, this.pins, this.directory, contexts);
    const settled: PassMarks = { delivered: [], held: [] };
    // A context that fails ends the pass after its wave; what the others delivered is still marked.
    let failed: PromiseRejectedResult | undefined;
    for (const wave of chunks(loaded, PARALLEL_CONTEXTS)) {
      const results = await Promise.allSettled(wave.map((c) => this.deliverContext(c, due, settled)));
      failed = results.find((r) => r.status === 'rejected');
      if (failed) break;
    }
    await this.mark(settled);
    if (failed) throw failed.reason;
    return settled.delivered.length + settled.held.length;
  }

  /**
   * One write for a pass's marks, through writeOnce: on SQLite a statement
   * of its own would wait for the gateway's write lock in SQLite's busy
   * handler, with the event loop frozen, once for every pin.
   */
  private async mark({ delivered, held }: PassMarks): Promise<void> {
    if (delivered.length === 0 && held.length === 0) return;
    await writeOnce(this.ds, async (em) => {
      await this.pins.mark(em, 'delivered', delivered);
      await this.pins.mark(em, 'held', held);
    });
  }

  /**
   * Finds open processes (by this member's view) whose workflow Temporal no
   * longer has (its namespace was emptied or replaced while the database was
   * kept), and hands their pins to the dispatcher again: the first is a
   * signal-with-start carrying the whole history, the rest are duplicates the
   * workflow ignores. Without this a process waiting for this member's own
   * decision would wait for ever: no new pin would come to start it. Returns
   * how many workflows it found missing.
   */
  async restartMissing(): Promise<number> {
    const open = await sqlRows<{ id: string; type: string }>(
      this.ds,
      `SELECT "id", "type" FROM "processes" WHERE "status" NOT IN ('completed', 'compensated')`,
    );
    const missing = (
      await mapInWaves(open, PARALLEL_CONTEXTS, async ({ id, type }) =>
        (await this.hasWorkflow(type, id)) ? undefined : id,
      )
    ).filter((id) => id !== undefined);
    if (missing.length > 0) await writeOnce(this.ds, (em) => this.pins.redeliver(em, missing.map(processContext)));
    if (missing.length > 0)
      this.log.warn('process workflows missing from Temporal; starting them again from the ledger', {
        processes: missing.length,
        processIds: missing.slice(0, 20),
      });
    return missing.length;
  }

  /** True when Temporal holds this member's workflow of the process (running or closed). */
  private async hasWorkflow(type: string, id: string): Promise<boolean> {
    try {
      await this.temporal.workflow.getHandle(processWorkflowId(type, id, this.member)).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Delivers a context's pins in order, up to the last one its workflow
   * needs now (all of them once one has been held `holdMs`), in one signal,
   * and holds the rest; adds them to `settled`.
   */
  private async deliverContext(
    { pins, deliveries: history, start }: ContextDeliveries,
    due: string,
    settled: PassMarks,
  ): Promise<void> {
    const todo = pins.filter(
      (p) => (p.state === 'projected' || p.state === 'held') && p.contextIndex <= history.length,
    );
    if (!start || todo.length === 0) return;
    const args: ProcessArgs = {
      processId: start.processId,
      processType: start.processType,
      member: this.member,
      initiator: start.author,
      input: start.input,
      participants: start.participants,
      history,
    };
    // What its workflow has applied: the pins before the first to do (they are delivered in order).
    const applied = todo[0].contextIndex - 1;
    const type = findProcessType(start.processType);
    const overdue = todo.some((p) => p.state === 'held' && p.recordedAt < due);
    // Holding off, or a held pin overdue: everything goes (deliveriesNeeded also gives a workflow not started yet everything).
    const all = this.holdMs === 0 || overdue || !type;
    const needed = all ? history.length : deliveriesNeeded(args, type, history, applied);
    const send = todo.filter((p) => p.contextIndex <= needed);
    const rest = todo.filter((p) => p.contextIndex > needed && p.state === 'projected').map((p) => p.pin);
    if (send.length === 0) {
      settled.held.push(...rest);
      return;
    }
    const deliveries = history.slice(applied, needed);
    const open = await this.signal(args, deliveries, applied > 0).catch((err: unknown) => {
      this.log.warn('delivery failed', {
        processId: start.processId,
        pins: send.map((p) => p.pin),
        error: String(err),
      });
      throw err;
    });
    // A closed workflow takes no more: every pin left is recorded only, none held.
    const done = open ? send : todo;
    settled.delivered.push(...done.map((p) => p.pin));
    if (open) settled.held.push(...rest);
    this.metrics?.deliveries.inc(done.length);
    this.log.debug(open ? 'pins delivered' : 'process already finished; deliveries recorded only', {
      processId: start.processId,
      pins: done.map((p) => p.pin),
      indexes: `${applied + 1}-${applied + done.length}`,
      kinds: deliveries.map((d) => d.message.kind),
    });
  }

  /**
   * Signals (or starts) the member's workflow with `deliveries`; false when
   * it has already finished. A workflow known to be `started` gets a plain
   * signal; one that is not there after all (its namespace was emptied) is
   * started as any other, with the whole history in its arguments.
   */
  private async signal(args: ProcessArgs, deliveries: LedgerDelivery[], started: boolean): Promise<boolean> {
    if (started) {
      const workflowId = processWorkflowId(args.processType, args.processId, this.member);
      try {
        await this.temporal.workflow.getHandle(workflowId).signal(ledgerEventsSignal, deliveries);
        return true;
      } catch (err) {
        // Finished, or never there: signal-with-start tells which.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    try {
      await this.temporal.workflow.signalWithStart<typeof processWorkflow, [LedgerDelivery[]]>(PROCESS_WORKFLOW, {
        ...processWorkflowOptions(args),
        args: [args],
        signal: ledgerEventsSignal,
        signalArgs: [deliveries],
      });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }
}
