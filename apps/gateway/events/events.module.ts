import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller.js';
import { DeliveryService } from './delivery/delivery.service.js';
import { EventStreamService } from './event-stream.service.js';
import { EventsController } from './events.controller.js';
import { EventsGateway } from './delivery/websockets/events.gateway.js';
import { SubscriptionsController } from './subscriptions/subscriptions.controller.js';
import { SubscriptionsService } from './subscriptions/subscriptions.service.js';

@Module({
  controllers: [EventsController, SubscriptionsController, AsyncApiController],
  providers: [EventStreamService, DeliveryService, SubscriptionsService, EventsGateway],
  exports: [EventStreamService],
})
export class EventsModule {}
