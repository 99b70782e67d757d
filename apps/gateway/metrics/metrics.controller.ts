import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { GatewayMetrics } from './gateway-metrics.js';
import { Public } from '../auth/public.decorator.js';

/** `GET /metrics`: Prometheus text format, for the scraper, not for apps. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.text();
    res.set('cache-control', 'no-store').type(this.metrics.registry.contentType).send(text);
  }
}
