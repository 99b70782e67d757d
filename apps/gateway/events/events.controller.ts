import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MoreThan, type DataSource } from 'typeorm';
import type { MemberConfig } from '../../shared/config.js';
import { EventRecord } from '../../shared/db/entities.js';
import { ApiError } from '../common/api-error.js';
import { CONFIG, DATA_SOURCE } from '../core/tokens.js';
import { eventView } from './event-view.js';

class ListEventsDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) after = 0;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit = 100;
  @IsOptional() @IsString() @MaxLength(64) reference?: string;
}

@ApiTags('events')
@Controller('api/v1/namespaces/:ns/events')
export class EventsController {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: "The member's event log in sequence order, from `after`" })
  async list(@Param('ns') ns: string, @Query() query: ListEventsDto) {
    if (ns !== this.config.networkNamespace) throw ApiError.notFound('unknown-namespace', `no namespace "${ns}"`);
    const events = await this.ds.getRepository(EventRecord).find({
      where: { sequence: MoreThan(query.after), ...(query.reference ? { processId: query.reference } : {}) },
      order: { sequence: 'ASC' },
      take: query.limit,
    });
    return events.map((e) => eventView(e, ns));
  }
}
