import type { SubscriptionRecord } from '../../../shared/db/subscription-entities.js';
import type { SubscriptionOptions } from './subscription-spec.js';

/**
 * A subscription as the API shows it (FireFly's shape), its options in the
 * form a PUT accepts back, with the app that created it (`owner`). The
 * webhook secret is never here: only the answer that made it carries it.
 */
export function subscriptionView(sub: SubscriptionRecord, offset = sub.offset) {
  const o = sub.options as unknown as SubscriptionOptions;
  return {
    id: sub.id,
    namespace: sub.namespace,
    name: sub.name,
    transport: sub.transport,
    ...(sub.owner ? { owner: sub.owner } : {}),
    filter: sub.filter,
    options: {
      firstEvent: o.firstEvent,
      readAhead: o.readAhead,
      withData: o.withData,
      batch: o.batch,
      batchSize: o.batchSize,
      retry: {
        count: o.retry.count,
        initialDelay: `${o.retry.initialDelayMs}ms`,
        maxDelay: `${o.retry.maxDelayMs}ms`,
        factor: o.retry.factor,
      },
      ...(sub.transport === 'webhooks' ? { url: o.url, requestTimeout: `${o.requestTimeoutMs}ms` } : {}),
    },
    offset,
    created: sub.created,
    updated: sub.updated,
  };
}
