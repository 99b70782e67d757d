import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { WorkflowNotFoundError, WorkflowUpdateStage, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  decideStepUpdate,
  processWorkflowId,
  requestCancelUpdate,
  retryCompensationUpdate,
} from '../../../workflows/definitions.js';
import { readySteps, type Cancellation, type ProcessState, type StepView } from '../../../workflows/process-state.js';
import { findProcessType } from '../../../workflows/process-types/index.js';
import type { ProcessRecord } from '../../shared/db/entities.js';
import type { MemberConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { ApiError } from '../common/api-error.js';
import { whileTemporalSilent } from '../common/temporal-silence.js';
import { CONFIG, LOGGER, TEMPORAL } from '../core/tokens.js';
import type { CancelProcessDto } from './dto/cancel-process.dto.js';
import type { DecideStepDto } from './dto/decide-step.dto.js';
import { ProcessesService } from './processes.service.js';
import { isFinishedWorkflowError, processFinished, refusalError } from './update-refusals.js';

/** How long POST /cancel waits for the ledger's verdict before answering 202. */
const CANCEL_VERDICT_WAIT_MS = 10_000;
/** How long a command waits for this member's workflow to apply what its view already shows. */
const WORKFLOW_CATCH_UP_MS = 10_000;
const WORKFLOW_CATCH_UP_POLL_MS = 100;

/**
 * What a person asks of a running process at this member: decide a step,
 * cancel, retry a failed compensation. Each is an update of this member's
 * workflow; its validator refuses what cannot be done now.
 */
@Injectable()
export class ProcessCommandsService {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(TEMPORAL) private readonly temporal: Client,
    private readonly processes: ProcessesService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async decide(id: string, step: string, dto: DecideStepDto): Promise<{ accepted: true }> {
    const accepted = await this.catchingUp(
      id,
      'step-not-ready',
      (row) => awaitsDecision(row, step),
      () =>
        this.update(id, (h, updateId) =>
          h.executeUpdate(decideStepUpdate, {
            args: [{ step, approve: dto.approve, comment: dto.comment }],
            updateId,
          }),
        ),
    );
    this.log.info('step decision accepted', { processId: id, step, approve: dto.approve });
    return accepted;
  }

  async retry(id: string): Promise<{ step: string }> {
    const retried = await this.catchingUp(
      id,
      'not-failed',
      (row) => row.status === 'failed',
      () => this.update(id, (h, updateId) => h.executeUpdate(retryCompensationUpdate, { updateId })),
    );
    this.log.info('compensation retry accepted', { processId: id, step: retried.step });
    return retried;
  }

  /**
   * Publishes this member's cancel request, then waits for the ledger's
   * verdict (accepted while the process still runs, refused otherwise).
   */
  async cancel(id: string, dto: CancelProcessDto) {
    const member = this.config.memberName;
    const reason = dto.reason ?? 'no reason given';
    const deadline = Date.now() + CANCEL_VERDICT_WAIT_MS;
    await this.update(id, async (h, updateId) => {
      const update = await h.startUpdate(requestCancelUpdate, {
        args: [{ reason }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
        updateId,
      });
      // A refusal is known at once; publishing may take long while a peer is down.
      const ac = new AbortController();
      await Promise.race([
        update.result(),
        sleep(Math.max(0, deadline - Date.now()), undefined, { signal: ac.signal }),
      ]).finally(() => ac.abort());
    });
    const mine = (c: Cancellation) => c.requestedBy === member;
    const row = await this.processes.awaitRow(
      id,
      (r) => (r.cancellations as Cancellation[]).some(mine),
      Math.max(0, deadline - Date.now()),
    );
    const process = await this.processes.get(id);
    const verdict = row && (row.cancellations as Cancellation[]).find(mine);
    this.log.info('cancel requested', { processId: id, reason, outcome: verdict?.outcome ?? 'pending' });
    if (!verdict) return { status: 202, body: { outcome: 'pending' as const, process } };
    const why = verdict.outcome === 'refused' ? (verdict.refusal ?? verdict.reason) : verdict.reason;
    return { status: 200, body: { outcome: verdict.outcome, reason: why, process } };
  }

  /**
   * Runs `command` again while this member's workflow is behind its view.
   * The view reads a pin from the ledger a moment before the workflow applies
   * it: for that moment the workflow refuses (`refusal`) what the API already
   * shows as possible (`viewAllows`), a decision on a step the view shows
   * waiting, a retry of a process the view shows failed.
   */
  private async catchingUp<T>(
    id: string,
    refusal: string,
    viewAllows: (row: ProcessRecord) => boolean,
    command: () => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + WORKFLOW_CATCH_UP_MS;
    for (;;) {
      try {
        return await command();
      } catch (err) {
        const behind = err instanceof ApiError && err.code === refusal && Date.now() < deadline;
        if (!behind || !viewAllows(await this.processes.row(id))) throw err;
        await sleep(WORKFLOW_CATCH_UP_POLL_MS);
      }
    }
  }

  /**
   * Runs an update on this member's workflow of the process, mapping refusals
   * to API errors. `run` gets one update ID for all its tries: a try after a
   * timed-out call attaches to the update if the first one was admitted.
   */
  private async update<T>(id: string, run: (handle: WorkflowHandle, updateId: string) => Promise<T>): Promise<T> {
    const row = await this.processes.row(id);
    // The member's view comes from the ledger as soon as a pin is read, a
    // moment before the workflow gets it: once that view has ended, so has
    // the process, whatever the workflow has yet to apply.
    if (row.status === 'completed' || row.status === 'compensated') throw processFinished(id, row.status);
    const handle = this.temporal.workflow.getHandle(processWorkflowId(row.type, id, this.config.memberName));
    const updateId = randomUUID();
    try {
      return await whileTemporalSilent(() => run(handle, updateId));
    } catch (err) {
      const refusal = refusalError(err);
      if (refusal) throw refusal;
      if (!isFinishedWorkflowError(err)) throw err;
      const { status } = await this.processes.row(id);
      if (status === 'completed' || status === 'compensated') throw processFinished(id, status);
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // A closed workflow answers "not found" too: this member's view has not caught up yet.
      const closed = await handle.describe().then(
        (d) => (d.status.name === 'RUNNING' ? undefined : d.status.name),
        () => undefined,
      );
      // Its result is the member's final state: completed or compensated, as the view will say.
      if (closed)
        throw processFinished(
          id,
          await handle.result().then(
            (state: ProcessState) => state.status,
            () => closed.toLowerCase(),
          ),
        );
      // Open by the ledger, but Temporal has no workflow for it here: the
      // worker starts it again from the ledger (at its start, or on the next pin).
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'workflow-unavailable',
        `this member's workflow of process ${id} is not in Temporal; the worker starts it again from the ledger: retry shortly`,
      );
    }
  }
}

/** Whether the member's view shows `step` waiting for its decision: started, running, its dependencies done. */
function awaitsDecision(row: ProcessRecord, step: string): boolean {
  const type = findProcessType(row.type);
  const steps = row.steps as StepView[];
  const i = steps.findIndex((s) => s.name === step);
  if (!type || i < 0) return false;
  return readySteps(
    { status: row.status as ProcessState['status'], startPin: row.startPin ?? undefined, steps },
    type,
  ).includes(i);
}
