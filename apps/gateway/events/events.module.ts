import { Module } from '@nestjs/common';
import { EventStreamService } from './event-stream.service.js';
import { EventsController } from './events.controller.js';
import { EventsGateway } from './events.gateway.js';

@Module({ controllers: [EventsController], providers: [EventStreamService, EventsGateway] })
export class EventsModule {}
