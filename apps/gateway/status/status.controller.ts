import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { SequencerClient } from '../../shared/chain/sequencer.js';
import type { MemberConfig } from '../../shared/config.js';
import { CounterRecord, LedgerCursorRecord } from '../../shared/db/entities.js';
import { PinStore } from '../../shared/db/pin-store.js';
import { ApiErrors } from '../common/api-docs.js';
import { CONFIG, DATA_SOURCE, SEQUENCER, TEMPORAL } from '../core/tokens.js';
import { BATON_VERSION, dependencyVersions } from './versions.js';
import { Public } from '../auth/public.decorator.js';
import { SharedAnswer } from './shared-answer.js';

interface Check {
  ready: boolean;
  detail: string;
}

/** Each check gets this long before it counts as not ready. */
const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('status')
@ApiErrors(500)
@Public()
@Controller('api/v1/status')
export class StatusController {
  /**
   * Anyone may ask, and each answer costs a Temporal call, two chain calls and
   * a count of every pin: callers share one probe, reused for STATUS_CACHE_MS.
   */
  private readonly answer: SharedAnswer<Awaited<ReturnType<StatusController['probe']>>>;

  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(TEMPORAL) private readonly temporal: Client,
    @Inject(SEQUENCER) private readonly sequencer: SequencerClient,
  ) {
    this.answer = new SharedAnswer(() => this.probe(), config.statusCacheMs);
  }

  @Get()
  @ApiOperation({
    summary: "This member's name, readiness (Temporal, chain, database) and versions, as of `checkedAt`",
  })
  status() {
    return this.answer.get();
  }

  private async probe() {
    const checkedAt = new Date().toISOString();
    const [temporal, chain, database] = await Promise.all([
      check(async () => {
        await this.temporal.workflowService.describeNamespace({ namespace: this.config.temporalNamespace });
        return `namespace ${this.config.temporalNamespace} at ${this.config.temporalAddress}`;
      }),
      check(async () => {
        if (!(await this.sequencer.hasCode())) throw new Error(`no Sequencer at ${this.config.sequencerAddress}`);
        return `block ${await this.sequencer.blockNumber()}, Sequencer ${this.config.sequencerAddress}`;
      }),
      check(async () => {
        await this.ds.query('SELECT 1');
        return this.ds.options.type;
      }),
    ]);
    return {
      member: this.config.memberName,
      namespace: this.config.networkNamespace,
      checkedAt,
      ready: temporal.ready && chain.ready && database.ready,
      checks: { temporal, chain, database },
      ledger: database.ready ? await ledgerProgress(this.ds).catch(() => undefined) : undefined,
      versions: { baton: BATON_VERSION, ...dependencyVersions() },
    };
  }
}

/**
 * How far the member's worker has read and applied the ledger: the next block
 * it reads, pins by state (pending: read, data or an earlier pin missing;
 * projected: applied to the process, not yet handed to its workflow; held:
 * applied, asking nothing of the workflow yet, so waiting to travel with the
 * next pin that does (LEDGER_HOLD_MS at most); delivered; foreign: processes
 * this member takes no part in) and the length
 * of its event log. A member rebuilding from block 0 is done when its
 * nextBlock passed the chain head and no pin is pending. nextBlock is the
 * saved cursor, which may trail the worker's reads by about a second.
 */
async function ledgerProgress(ds: DataSource) {
  const cursor = await ds.getRepository(LedgerCursorRecord).findOneBy({ name: 'sequencer' });
  const pins = await new PinStore(ds).countByState();
  const events = (await ds.getRepository(CounterRecord).findOneBy({ name: 'events' }))?.value ?? 0;
  return { nextBlock: cursor?.nextBlock ?? 0, pins, events };
}

async function check(probe: () => Promise<string>): Promise<Check> {
  try {
    const detail = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)),
    ]);
    return { ready: true, detail };
  } catch (err) {
    return { ready: false, detail: (err as Error).message };
  }
}
