import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-docs.js';
import { CancelProcessDto } from './dto/cancel-process.dto.js';
import { DecideStepDto } from './dto/decide-step.dto.js';
import { ListProcessesDto } from './dto/list-processes.dto.js';
import { StartProcessQueryDto } from './dto/start-process-query.dto.js';
import { StartProcessDto } from './dto/start-process.dto.js';
import { IdempotencyKeysService } from './idempotency-keys.service.js';
import { ProcessCommandsService } from './process-commands.service.js';
import { ProcessesService } from './processes.service.js';

@ApiTags('processes')
@ApiErrors(400, 401, 403, 500)
@Controller('api/v1')
export class ProcessesController {
  constructor(
    private readonly processes: ProcessesService,
    private readonly commands: ProcessCommandsService,
  ) {}

  @Get('process-types')
  @ApiOperation({ summary: 'The process types this network knows, with roles and steps' })
  processTypes() {
    return this.processes.processTypes();
  }

  @Post('processes')
  @ApiOperation({
    summary: 'Start a process; it runs on at every participant',
    description:
      '202 once started; with confirm=true, 200 with the outcome if it comes within the timeout. ' +
      'A repeated Idempotency-Key with the same body answers with the same process (Idempotent-Replayed: true).',
  })
  @ApiResponse({ status: 202, description: 'Started (Location: the process)' })
  @ApiResponse({ status: 200, description: 'Final (confirm=true) or replayed (Idempotency-Key)' })
  @ApiErrors(404, 409)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1 to 200 printable characters' })
  async start(
    @Body() body: StartProcessDto,
    @Query() query: StartProcessQueryDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (idempotencyKey !== undefined) IdempotencyKeysService.check(idempotencyKey);
    const { view, replayed, final } = await this.processes.start(body, {
      idempotencyKey,
      confirm: query.confirm,
      timeoutMs: query.timeout,
    });
    const done = query.confirm ? final : replayed;
    res.status(done ? 200 : 202);
    if (!done) res.location(`/api/v1/processes/${view.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return view;
  }

  @Get('processes')
  @ApiOperation({ summary: 'Processes this member takes part in, newest first' })
  list(@Query() query: ListProcessesDto) {
    return this.processes.list(query);
  }

  @Get('processes/:id')
  @ApiResponse({ status: 200, description: 'The process as this member sees it' })
  @ApiErrors(404)
  @ApiOperation({ summary: "This member's view of a process: status, steps with their ledger pins, effects, digest" })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.processes.get(id);
  }

  @Post('processes/:id/steps/:step/decision')
  @ApiResponse({ status: 200, description: 'Accepted; the outcome follows on the ledger' })
  @ApiErrors(404, 409)
  @HttpCode(200)
  @ApiOperation({ summary: "A person's decision on a decision step this member owns" })
  decide(@Param('id', new ParseUUIDPipe()) id: string, @Param('step') step: string, @Body() body: DecideStepDto) {
    return this.commands.decide(id, step, body);
  }

  @Post('processes/:id/cancel')
  @ApiResponse({ status: 200, description: "The ledger's verdict: accepted or refused" })
  @ApiResponse({ status: 202, description: 'Requested; no verdict yet' })
  @ApiErrors(404, 409)
  @ApiOperation({ summary: "Ask to cancel; 200 with the ledger's verdict, or 202 if it has not come within ~10 s" })
  async cancel(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: CancelProcessDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { status, body: answer } = await this.commands.cancel(id, body);
    res.status(status);
    return answer;
  }

  @Post('processes/:id/retry')
  @ApiResponse({ status: 202, description: 'Retrying' })
  @ApiErrors(404, 409)
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry the failed compensation this member owns' })
  retry(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.commands.retry(id);
  }
}
