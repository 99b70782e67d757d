import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { PROCESS_WORKFLOW, processWorkflowOptions } from '../../../workflows/definitions.js';
import type { processWorkflow } from '../../../workflows/process.workflow.js';
import { initialState, type ProcessArgs } from '../../../workflows/process-state.js';
import { findProcessType, PROCESS_TYPES, type ProcessTypeDefinition } from '../../../workflows/process-types/index.js';
import { FINAL_STATUSES, type ProcessDetail, type ProcessList } from '../../shared/api/process-view.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import type { MemberConfig } from '../../shared/config.js';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { processRow } from '../../shared/db/process-row.js';
import { EffectRecord, ProcessRecord } from '../../shared/db/entities.js';
import type { Logger } from '../../shared/logger.js';
import { ApiError } from '../common/api-error.js';
import { whileTemporalSilent } from '../common/temporal-silence.js';
import { CONFIG, DATA_SOURCE, DIRECTORY, LOGGER, TEMPORAL } from '../core/tokens.js';
import type { ListProcessesDto } from './dto/list-processes.dto.js';
import type { StartProcessDto } from './dto/start-process.dto.js';
import { IdempotencyKeysService } from './idempotency-keys.service.js';
import { processView } from './process-view.js';
import { shown } from '../../shared/shown.js';

/** How often a request that waits for the workflow's projection looks again. */
const POLL_MS = 200;
/** How long a repeated Idempotency-Key waits for the first request's process row. */
const REPLAY_WAIT_MS = 10_000;

export interface StartOptions {
  idempotencyKey?: string;
  /** Wait up to `timeoutMs` for a final status. */
  confirm?: boolean;
  timeoutMs?: number;
}

@Injectable()
export class ProcessesService {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(TEMPORAL) private readonly temporal: Client,
    @Inject(DIRECTORY) private readonly directory: MemberDirectory,
    private readonly idempotency: IdempotencyKeysService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  processTypes() {
    return Object.values(PROCESS_TYPES).map(({ name, description, roles, steps, input }) => ({
      name,
      description,
      roles,
      steps,
      inputSchema: input.schema,
    }));
  }

  /**
   * Starts this member's workflow for a new process (it publishes the start
   * to the other participants), or finds the one an earlier request with the
   * same Idempotency-Key started. `final` tells whether the view is an outcome.
   */
  async start(dto: StartProcessDto, options: StartOptions = {}) {
    const type = findProcessType(dto.type);
    if (!type) throw ApiError.notFound('unknown-process-type', `no process type named "${dto.type}"`);
    const problems = type.input.problems(dto.input);
    if (problems.length > 0) throw ApiError.badRequest('invalid-input', 'the process input is not valid', problems);
    const participants = await this.participants(type, dto.participants);
    let id: string = randomUUID();
    const key = options.idempotencyKey;
    const claimed = key === undefined ? id : await this.idempotency.claim(key, { ...dto }, id);
    const replayed = claimed !== id;
    if (replayed) {
      id = claimed;
      this.log.info('process start replayed (same Idempotency-Key)', { processId: id, processType: type.name });
      if (!(await this.awaitRow(id, () => true, REPLAY_WAIT_MS)))
        throw new ApiError(
          HttpStatus.CONFLICT,
          'idempotency-key-in-progress',
          'the first request with this Idempotency-Key has not started its process; try again',
        );
    } else await this.launch(type, id, dto.input, participants, key);
    if (options.confirm) await this.awaitRow(id, (r) => FINAL_STATUSES.includes(r.status), options.timeoutMs ?? 30_000);
    const view = await this.get(id);
    return { view, replayed, final: FINAL_STATUSES.includes(view.status) };
  }

  private async launch(
    type: ProcessTypeDefinition,
    id: string,
    input: unknown,
    participants: Record<string, string>,
    idempotencyKey?: string,
  ): Promise<void> {
    const args: ProcessArgs = {
      processId: id,
      processType: type.name,
      member: this.config.memberName,
      initiator: this.config.memberName,
      input,
      participants,
      initiate: true,
    };
    const options = processWorkflowOptions(args);
    const now = nowIso();
    // The row exists before the workflow writes its own view, so a GET right
    // after the 202 finds the process; it goes again if the start fails.
    const row = processRow(initialState(args, type), {
      workflowId: options.workflowId,
      createdAt: now,
      updatedAt: now,
    });
    await writeOnce(this.ds, (em) => em.getRepository(ProcessRecord).save(row));
    try {
      // A try after one Temporal did not answer finds the workflow started if the first one took.
      await whileTemporalSilent((attempt) =>
        this.temporal.workflow
          .start<typeof processWorkflow>(PROCESS_WORKFLOW, { ...options, args: [args] })
          .catch((err: unknown) => {
            if (attempt > 1 && err instanceof WorkflowExecutionAlreadyStartedError) return;
            throw err;
          }),
      );
    } catch (err) {
      this.log.warn('process start failed', { processId: id, processType: type.name, error: String(err) });
      await writeOnce(this.ds, (em) => em.getRepository(ProcessRecord).delete({ id }));
      if (idempotencyKey !== undefined) await this.idempotency.release(idempotencyKey, id);
      throw err;
    }
    this.log.info('process started', { processId: id, processType: type.name, participants });
  }

  async get(id: string): Promise<ProcessDetail> {
    const row = await this.row(id);
    const effects = await this.ds.getRepository(EffectRecord).find({ where: { processId: id }, order: { id: 'ASC' } });
    return {
      ...processView(row, this.config),
      effects: effects.map(({ step, kind, description, recordedAt }) => ({ step, kind, description, recordedAt })),
    };
  }

  /** The process row, or 404 unknown-process. */
  async row(id: string): Promise<ProcessRecord> {
    const row = await this.ds.getRepository(ProcessRecord).findOneBy({ id });
    if (!row) throw ApiError.notFound('unknown-process', `no process ${id} at member ${this.config.memberName}`);
    return row;
  }

  /** Polls the projection until `done(row)`; undefined if that did not happen within `timeoutMs`. */
  async awaitRow(id: string, done: (row: ProcessRecord) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.ds.getRepository(ProcessRecord).findOneBy({ id });
      if (row && done(row)) return row;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(POLL_MS, left));
    }
  }

  async list(query: ListProcessesDto): Promise<ProcessList> {
    const where = { ...(query.type ? { type: query.type } : {}), ...(query.status ? { status: query.status } : {}) };
    const [rows, total] = await this.ds.getRepository(ProcessRecord).findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.skip,
    });
    return { items: rows.map((r) => processView(r, this.config)), total, limit: query.limit, skip: query.skip };
  }

  private async participants(
    type: ProcessTypeDefinition,
    given?: Record<string, string>,
  ): Promise<Record<string, string>> {
    const participants: Record<string, string> = {};
    const problems: string[] = [];
    for (const role of type.roles) {
      const member = given?.[role] ?? role;
      if (typeof member !== 'string' || !(await this.directory.byName(member)))
        problems.push(`role ${role}: ${shown(member)} is not a registered member`);
      participants[role] = member;
    }
    for (const role of Object.keys(given ?? {}))
      if (!type.roles.includes(role)) problems.push(`role ${role} is not a role of ${type.name}`);
    if (problems.length > 0)
      throw ApiError.badRequest('invalid-participants', 'the participants are not valid', problems);
    if (!Object.values(participants).includes(this.config.memberName))
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'not-a-participant',
        `member ${this.config.memberName} plays no role in this process and cannot start it`,
      );
    return participants;
  }
}
