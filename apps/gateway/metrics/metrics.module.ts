import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ProcessRecord } from '../../shared/db/entities.js';
import { DATA_SOURCE } from '../core/tokens.js';
import { EventStreamService } from '../events/event-stream.service.js';
import { EventsModule } from '../events/events.module.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { MetricsController } from './metrics.controller.js';

/** The gateway's Prometheus registry and `GET /metrics`. */
@Module({
  imports: [EventsModule],
  controllers: [MetricsController],
  providers: [
    {
      provide: GatewayMetrics,
      inject: [DATA_SOURCE, EventStreamService],
      useFactory: (ds: DataSource, stream: EventStreamService) =>
        new GatewayMetrics({
          async processCounts() {
            const rows = await ds
              .getRepository(ProcessRecord)
              .createQueryBuilder('p')
              .select('p.status', 'status')
              .addSelect('COUNT(*)', 'count')
              .groupBy('p.status')
              .getRawMany<{ status: string; count: string | number }>();
            return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
          },
          subscriptionLag: () => stream.subscriptionLag(),
        }),
    },
  ],
  exports: [GatewayMetrics],
})
export class MetricsModule {}
