import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller.js';
import { EventStreamService } from './event-stream.service.js';
import { EventsController } from './events.controller.js';
import { EventsGateway } from './events.gateway.js';

@Module({
  controllers: [EventsController, AsyncApiController],
  providers: [EventStreamService, EventsGateway],
  exports: [EventStreamService],
})
export class EventsModule {}
