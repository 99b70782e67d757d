import type { Logger } from '../../../../shared/logger.js';
import { deliveredEvent, type Delivery, type DeliveryTarget } from '../delivery-target.js';
import type { WebhookSender } from './webhook-sender.js';
import { SIGNATURE_HEADER, signBody } from './webhook-signature.js';

export interface WebhookSettings {
  url: string;
  secret: string;
  requestTimeoutMs: number;
}

/**
 * The webhook transport: POSTs each delivery (an event, or an array of
 * events with `batch`) to the app through the gateway's WebhookSender,
 * signed with the subscription's secret and the time. A 2xx answer acks it;
 * anything else, a timeout, a network error or a refused address nacks it,
 * and the dispatcher retries with backoff, then dead-letters.
 */
export class WebhookTarget implements DeliveryTarget {
  readonly autoack = false;

  constructor(
    private settings: WebhookSettings,
    private readonly sender: WebhookSender,
    private readonly answer: (target: WebhookTarget, id: string, error?: string) => void,
    private readonly log: Logger,
  ) {}

  reconfigure(settings: WebhookSettings): void {
    this.settings = settings;
  }

  deliver(delivery: Delivery): void {
    void this.post(delivery);
  }

  private async post(delivery: Delivery): Promise<void> {
    const { url, secret, requestTimeoutMs } = this.settings;
    // One event object, or with `batch` a JSON array of them in sequence order (FireFly's webhook batches).
    const events = delivery.events.map((e) => deliveredEvent(e, delivery));
    const body = JSON.stringify(delivery.batch ? events : events[0]);
    const error = await this.sender.post(
      delivery.subscription.id,
      url,
      // Signed when its turn comes, so the time signed is the time sent.
      () => ({
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signBody(secret, body),
        'x-baton-subscription': delivery.subscription.id,
        'x-baton-delivery': delivery.id,
      }),
      body,
      requestTimeoutMs,
    );
    if (error) this.log.info('webhook delivery refused', { url, delivery: delivery.id, error });
    this.answer(this, delivery.id, error);
  }
}
