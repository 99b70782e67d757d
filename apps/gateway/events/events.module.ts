import { Module } from '@nestjs/common';
import { ConfigError, type MemberConfig } from '../../shared/config.js';
import { CONFIG } from '../core/tokens.js';
import { AsyncApiController } from './asyncapi.controller.js';
import { DeliveryService } from './delivery/delivery.service.js';
import { EventStreamService } from './event-stream.service.js';
import { EventsController } from './events.controller.js';
import { EventsGateway } from './delivery/websockets/events.gateway.js';
import { WebhookSender } from './delivery/webhooks/webhook-sender.js';
import { SubscriptionsController } from './subscriptions/subscriptions.controller.js';
import { SubscriptionsService } from './subscriptions/subscriptions.service.js';

@Module({
  controllers: [EventsController, SubscriptionsController, AsyncApiController],
  providers: [
    EventStreamService,
    DeliveryService,
    SubscriptionsService,
    EventsGateway,
    {
      provide: WebhookSender,
      inject: [CONFIG],
      useFactory: ({ webhooks }: MemberConfig) => {
        try {
          return new WebhookSender(webhooks);
        } catch (err) {
          throw new ConfigError(`WEBHOOK_ALLOWED_HOSTS: ${(err as Error).message}`);
        }
      },
    },
  ],
  exports: [EventStreamService],
})
export class EventsModule {}
