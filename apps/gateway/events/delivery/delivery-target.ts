import type { EventRecord } from '../../../shared/db/entities.js';
import { eventView } from '../event-view.js';

/** How a delivery names its subscription (FireFly's SubscriptionRef). */
export interface SubscriptionRef {
  id: string;
  namespace: string;
  name?: string;
}

/** One event, or a batch of them, handed to one target; acked or nacked by `id`. */
export interface Delivery {
  /** The event's id, or a fresh batch id for a batch. */
  id: string;
  events: EventRecord[];
  batch: boolean;
  withData: boolean;
  subscription: SubscriptionRef;
}

/**
 * One way out of a durable subscription: a WebSocket connection or a webhook.
 * Targets only deliver; the dispatcher owns offsets, acks and nacks, and a
 * target reports the app's answer back to it.
 */
export interface DeliveryTarget {
  /** True when sending counts as the ack (at-most-once, FireFly's autoack). */
  readonly autoack: boolean;
  deliver(delivery: Delivery): void;
}

/** An event as a delivery carries it: the event view, `data` only with withData, and its subscription. */
export function deliveredEvent(event: EventRecord, delivery: Delivery) {
  const view = eventView(event, delivery.subscription.namespace);
  if (!delivery.withData) delete view.data;
  return { ...view, subscription: delivery.subscription };
}

/** The body of a delivery: one event object, or FireFly's event_batch with the events in order. */
export function deliveryBody(delivery: Delivery) {
  if (!delivery.batch) return deliveredEvent(delivery.events[0], delivery);
  return {
    type: 'event_batch',
    id: delivery.id,
    subscription: delivery.subscription,
    events: delivery.events.map((e) => deliveredEvent(e, delivery)),
  };
}
