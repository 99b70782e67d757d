import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { CoreModule } from './core/core.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DataModule } from './data/data.module.js';
import { RateLimitModule } from './limits/rate-limit.module.js';
import { EventsModule } from './events/events.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NetworkModule } from './network/network.module.js';
import { ProcessesModule } from './processes/processes.module.js';
import { HealthController } from './status/health.controller.js';
import { StatusController } from './status/status.controller.js';

@Module({
  imports: [
    CoreModule,
    // Before AuthModule: its guard runs first, so refused credentials are rate limited too.
    RateLimitModule,
    AuthModule,
    ProcessesModule,
    NetworkModule,
    EventsModule,
    DataModule,
    MessagesModule,
    DashboardModule,
    MetricsModule,
  ],
  controllers: [StatusController, HealthController],
})
export class AppModule {}
