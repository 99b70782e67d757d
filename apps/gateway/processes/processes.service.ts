import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { processWorkflowOptions } from '../../../workflows/definitions.js';
import { initialState, type ProcessArgs } from '../../../workflows/process-state.js';
import { findProcessType, PROCESS_TYPES, type ProcessTypeDefinition } from '../../../workflows/process-types/index.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import type { MemberConfig } from '../../shared/config.js';
import { nowIso } from '../../shared/db/data-source.js';
import { processRow } from '../../shared/db/process-row.js';
import { EffectRecord, ProcessRecord } from '../../shared/db/entities.js';
import { ApiError } from '../common/api-error.js';
import { CONFIG, DATA_SOURCE, DIRECTORY, TEMPORAL } from '../core/tokens.js';
import type { ListProcessesDto } from './dto/list-processes.dto.js';
import type { StartProcessDto } from './dto/start-process.dto.js';

@Injectable()
export class ProcessesService {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(TEMPORAL) private readonly temporal: Client,
    @Inject(DIRECTORY) private readonly directory: MemberDirectory,
  ) {}

  processTypes() {
    return Object.values(PROCESS_TYPES).map(({ name, description, roles, steps, inputSchema }) => ({
      name,
      description,
      roles,
      steps,
      inputSchema,
    }));
  }

  /** Starts this member's workflow for a new process; it publishes the start to the other participants. */
  async start(dto: StartProcessDto) {
    const type = findProcessType(dto.type);
    if (!type) throw ApiError.notFound('unknown-process-type', `no process type named "${dto.type}"`);
    const problems = type.validateInput(dto.input);
    if (problems.length > 0) throw ApiError.badRequest('invalid-input', 'the process input is not valid', problems);
    const participants = await this.participants(type, dto.participants);
    const id = randomUUID();
    const args: ProcessArgs = {
      processId: id,
      processType: type.name,
      member: this.config.memberName,
      initiator: this.config.memberName,
      input: dto.input,
      participants,
      initiate: true,
    };
    const now = nowIso();
    // The row exists before the workflow writes its own view, so a GET right
    // after the 202 finds the process; it goes again if the start fails.
    await this.ds.getRepository(ProcessRecord).save(processRow(initialState(args, type), now, now));
    try {
      await this.temporal.workflow.start('processWorkflow', { ...processWorkflowOptions(args), args: [args] });
    } catch (err) {
      await this.ds.getRepository(ProcessRecord).delete({ id });
      throw err;
    }
    return this.get(id);
  }

  async get(id: string) {
    const row = await this.ds.getRepository(ProcessRecord).findOneBy({ id });
    if (!row) throw ApiError.notFound('unknown-process', `no process ${id} at member ${this.config.memberName}`);
    const effects = await this.ds.getRepository(EffectRecord).find({ where: { processId: id }, order: { id: 'ASC' } });
    return {
      ...this.view(row),
      effects: effects.map(({ step, kind, description, recordedAt }) => ({ step, kind, description, recordedAt })),
    };
  }

  async list(query: ListProcessesDto) {
    const where = { ...(query.type ? { type: query.type } : {}), ...(query.status ? { status: query.status } : {}) };
    const [rows, total] = await this.ds.getRepository(ProcessRecord).findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.skip,
    });
    return { items: rows.map((r) => this.view(r)), total, limit: query.limit, skip: query.skip };
  }

  private view(row: ProcessRecord) {
    const ns = this.config.temporalNamespace;
    return {
      id: row.id,
      type: row.type,
      status: row.status,
      member: this.config.memberName,
      initiator: row.initiator,
      participants: row.participants,
      input: row.input,
      steps: row.steps,
      reason: row.reason ?? undefined,
      rejectedBy: row.rejectedBy ?? undefined,
      startPin: row.startPin ?? undefined,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      workflow: {
        namespace: ns,
        workflowId: row.workflowId,
        url: `${this.config.temporalUiUrl}/namespaces/${encodeURIComponent(ns)}/workflows/${encodeURIComponent(row.workflowId)}`,
      },
    };
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
        problems.push(`role ${role}: ${String(member)} is not a registered member`);
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
