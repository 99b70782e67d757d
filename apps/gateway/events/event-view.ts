import type { EventRecord } from '../../shared/db/entities.js';

/** An event as apps see it: FireFly's event shape, `reference` naming the process. */
export function eventView(event: EventRecord, namespace: string) {
  return {
    id: event.id,
    sequence: event.sequence,
    type: event.type,
    namespace,
    reference: event.processId ?? undefined,
    topic: event.topic,
    author: event.author ?? undefined,
    correlator: event.correlator ?? undefined,
    created: event.created,
    data: event.data ?? undefined,
  };
}
