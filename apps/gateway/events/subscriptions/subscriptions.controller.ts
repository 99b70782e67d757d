import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { MemberConfig } from '../../../shared/config.js';
import type { AuthenticatedRequest } from '../../auth/app-auth.guard.js';
import { ApiError } from '../../common/api-error.js';
import { ApiErrors } from '../../common/api-docs.js';
import { CONFIG } from '../../core/tokens.js';
import { DeadLettersDto } from './dto/dead-letters.dto.js';
import { ListSubscriptionsDto } from './dto/list-subscriptions.dto.js';
import { SubscriptionHistoryDto } from './dto/subscription-history.dto.js';
import { SUBSCRIPTION_BODY_SCHEMA } from './subscription-schema.js';
import { SubscriptionsService } from './subscriptions.service.js';

const NS = { name: 'ns', description: 'The network namespace (NETWORK_NAMESPACE, `default`)' };
const ID = { name: 'id', description: 'The subscription id (or its name)' };

/** Durable subscriptions, FireFly's paths and shapes. */
@ApiTags('subscriptions')
@ApiErrors(400, 404, 500)
@Controller('api/v1/namespaces/:ns/subscriptions')
export class SubscriptionsController {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  @Post()
  @ApiParam(NS)
  @ApiBody({ schema: SUBSCRIPTION_BODY_SCHEMA })
  @ApiErrors(409)
  @ApiOperation({ summary: 'Create a durable subscription (the answer carries the webhook secret, once)' })
  create(@Param('ns') ns: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    return this.subscriptions.create(this.namespace(ns), body, ownerOf(req));
  }

  @Put()
  @ApiParam(NS)
  @ApiBody({ schema: SUBSCRIPTION_BODY_SCHEMA })
  @ApiOperation({ summary: 'Create or replace the subscription of that name (its offset and owner stay)' })
  async upsert(
    @Param('ns') ns: string,
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { created, view } = await this.subscriptions.upsert(this.namespace(ns), body, ownerOf(req));
    res.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @ApiParam(NS)
  @ApiOperation({ summary: 'List subscriptions, oldest first' })
  list(@Param('ns') ns: string, @Query() query: ListSubscriptionsDto) {
    return this.subscriptions.list(this.namespace(ns), query);
  }

  @Get(':id')
  @ApiParam(NS)
  @ApiParam(ID)
  @ApiOperation({ summary: 'A subscription with its offset, dead-letter count and live delivery status' })
  get(@Param('ns') ns: string, @Param('id') id: string) {
    return this.subscriptions.get(this.namespace(ns), id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam(NS)
  @ApiParam(ID)
  @ApiOperation({ summary: 'Delete a subscription, its offset and dead letters' })
  async delete(@Param('ns') ns: string, @Param('id') id: string): Promise<void> {
    await this.subscriptions.delete(this.namespace(ns), id);
  }

  @Post(':id/secret')
  @ApiParam(NS)
  @ApiParam(ID)
  @ApiOperation({ summary: "Replace a webhook subscription's secret (the answer carries the new one, once)" })
  rotateSecret(@Param('ns') ns: string, @Param('id') id: string) {
    return this.subscriptions.rotateSecret(this.namespace(ns), id);
  }

  @Get(':id/events')
  @ApiParam(NS)
  @ApiParam(ID)
  @ApiOperation({ summary: "The events matching the subscription's filter, each `acked` when at or below its offset" })
  history(@Param('ns') ns: string, @Param('id') id: string, @Query() query: SubscriptionHistoryDto) {
    return this.subscriptions.history(this.namespace(ns), id, query.after, query.limit);
  }

  @Get(':id/deadletters')
  @ApiParam(NS)
  @ApiParam(ID)
  @ApiOperation({
    summary: 'Events given up on after the last delivery attempt, with the last error; paged by after/limit',
  })
  deadLetters(@Param('ns') ns: string, @Param('id') id: string, @Query() query: DeadLettersDto) {
    return this.subscriptions.deadLetters(this.namespace(ns), id, query.after, query.limit);
  }

  private namespace(ns: string): string {
    if (ns !== this.config.networkNamespace) throw ApiError.notFound('unknown-namespace', `no namespace "${ns}"`);
    return ns;
  }
}

/** The app a subscription is created for: it may later take its deliveries with read scope alone. */
function ownerOf(req: AuthenticatedRequest): string | null {
  return req.appPrincipal?.app ?? null;
}
