import { Module } from '@nestjs/common';
import { CoreModule } from './core/core.module.js';
import { EventsModule } from './events/events.module.js';
import { NetworkModule } from './network/network.module.js';
import { ProcessesModule } from './processes/processes.module.js';
import { StatusController } from './status/status.controller.js';

@Module({
  imports: [CoreModule, ProcessesModule, NetworkModule, EventsModule],
  controllers: [StatusController],
})
export class AppModule {}
