import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListProcessesDto } from './dto/list-processes.dto.js';
import { StartProcessDto } from './dto/start-process.dto.js';
import { ProcessesService } from './processes.service.js';

@ApiTags('processes')
@Controller('api/v1')
export class ProcessesController {
  constructor(private readonly processes: ProcessesService) {}

  @Get('process-types')
  @ApiOperation({ summary: 'The process types this network knows, with roles and steps' })
  processTypes() {
    return this.processes.processTypes();
  }

  @Post('processes')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a process; it runs on at every participant' })
  start(@Body() body: StartProcessDto) {
    return this.processes.start(body);
  }

  @Get('processes')
  @ApiOperation({ summary: 'Processes this member takes part in, newest first' })
  list(@Query() query: ListProcessesDto) {
    return this.processes.list(query);
  }

  @Get('processes/:id')
  @ApiOperation({ summary: "This member's view of a process: status, steps with their ledger pins, effects" })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.processes.get(id);
  }
}
