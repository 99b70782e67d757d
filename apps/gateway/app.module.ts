import { Module } from '@nestjs/common';
import { CoreModule } from './core/core.module.js';
import { DataModule } from './data/data.module.js';
import { EventsModule } from './events/events.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { NetworkModule } from './network/network.module.js';
import { ProcessesModule } from './processes/processes.module.js';
import { StatusController } from './status/status.controller.js';

@Module({
  imports: [CoreModule, ProcessesModule, NetworkModule, EventsModule, DataModule, MessagesModule],
  controllers: [StatusController],
})
export class AppModule {}
