import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { MoreThan, type DataSource, type FindOptionsWhere } from 'typeorm';
import type { MemberConfig } from '../../shared/config.js';
import { EventRecord } from '../../shared/db/entities.js';
import { ApiError } from '../common/api-error.js';
import { ApiErrors } from '../common/api-docs.js';
import { CONFIG, DATA_SOURCE } from '../core/tokens.js';
import { ListEventsDto } from './dto/list-events.dto.js';
import { eventView } from './event-view.js';

@ApiTags('events')
@ApiErrors(400, 404, 500)
@Controller('api/v1/namespaces/:ns/events')
export class EventsController {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  @Get()
  @ApiParam({ name: 'ns', description: 'The network namespace (NETWORK_NAMESPACE, `default`)' })
  @ApiOperation({
    summary: "The member's event log in sequence order, from `after`; exact filters, paged by after/skip/limit",
  })
  async list(@Param('ns') ns: string, @Query() query: ListEventsDto) {
    if (ns !== this.config.networkNamespace) throw ApiError.notFound('unknown-namespace', `no namespace "${ns}"`);
    const where: FindOptionsWhere<EventRecord> = { sequence: MoreThan(query.after) };
    const processId = query.reference ?? query.processId;
    if (processId) where.processId = processId;
    if (query.type) where.type = query.type;
    if (query.topic) where.topic = query.topic;
    if (query.processType) where.processType = query.processType;
    if (query.author) where.author = query.author;
    const events = await this.ds
      .getRepository(EventRecord)
      .find({ where, order: { sequence: 'ASC' }, skip: query.skip, take: query.limit });
    return events.map((e) => eventView(e, ns));
  }
}
