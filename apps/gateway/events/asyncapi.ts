import { EVENT_DATA, type EventDataName } from '../../shared/events/event-data.js';
import { EVENT_TYPES, EVENT_TYPE_NAMES } from '../../shared/events/event-types.js';

// The AsyncAPI 3.0 description of `/ws`. The event types and their data shapes come from the catalogue
// (apps/shared/events/event-types.ts), the one list that also types what the producers write.

const regex = (what: string) => ({ type: 'string', maxLength: 500, description: `Regular expression on ${what}` });
const ref = (path: string) => ({ $ref: path });

/** The data shapes in catalogue order; one without a description is described by its event types and their topic. */
const DATA_NAMES = [...new Set(EVENT_TYPE_NAMES.map((type) => EVENT_TYPES[type].data))];

function dataSchema(name: EventDataName) {
  const schema = EVENT_DATA[name];
  if ('description' in schema) return schema;
  const types = EVENT_TYPE_NAMES.filter((type) => EVENT_TYPES[type].data === name);
  const topics = [...new Set(types.map((type) => EVENT_TYPES[type].topic))].join(' or ');
  const description = `data of ${types.join(', ')}; topic is ${topics}`;
  return { type: schema.type, description, properties: schema.properties, required: schema.required };
}

const schemas = {
  EventType: { type: 'string', enum: EVENT_TYPE_NAMES },
  ...Object.fromEntries(DATA_NAMES.map((name) => [name, dataSchema(name)])),
  Event: {
    type: 'object',
    description: "An entry of the member's event log (FireFly's event shape)",
    properties: {
      id: { type: 'string', format: 'uuid' },
      sequence: { type: 'integer', description: "Position in this member's log: local, gap-free, from 1" },
      type: ref('#/components/schemas/EventType'),
      namespace: { type: 'string' },
      reference: { type: 'string', description: 'The process id, when the event belongs to a process' },
      topic: { type: 'string', description: 'The process type, "ledger" or "messages"' },
      author: { type: 'string', description: 'The member (or account, for batch-pinned) behind the event' },
      correlator: { type: 'string', description: 'The process id, or the transaction hash of a batch' },
      created: { type: 'string', format: 'date-time' },
      data: { oneOf: DATA_NAMES.map((name) => ref(`#/components/schemas/${name}`)) },
    },
    required: ['id', 'sequence', 'type', 'namespace', 'topic', 'created'],
  },
  Subscription: {
    type: 'object',
    description: 'The subscription a delivery belongs to: a durable one by name, or an ephemeral one per start',
    properties: {
      id: { type: 'string', format: 'uuid' },
      namespace: { type: 'string' },
      name: { type: 'string' },
    },
    required: ['id', 'namespace'],
  },
  EventDelivery: {
    allOf: [
      ref('#/components/schemas/Event'),
      { type: 'object', properties: { subscription: ref('#/components/schemas/Subscription') } },
    ],
  },
  EventBatch: {
    type: 'object',
    description: 'Deliveries of a durable subscription with options.batch: acked or nacked as one by its id',
    properties: {
      type: { type: 'string', const: 'event_batch' },
      id: { type: 'string', format: 'uuid', description: 'The batch id, for ack and nack' },
      subscription: ref('#/components/schemas/Subscription'),
      events: { type: 'array', items: ref('#/components/schemas/EventDelivery') },
    },
    required: ['type', 'id', 'subscription', 'events'],
  },
  StartFrame: {
    type: 'object',
    description:
      'Opens an ephemeral subscription on the connection, or attaches it to the durable subscription `name` ' +
      '(created over REST). The same can be asked on connect: /ws?namespace=default&ephemeral&autoack&filter.events=... ' +
      'or /ws?namespace=default&name=my-sub.',
    properties: {
      type: { type: 'string', const: 'start', description: 'Case-insensitive' },
      namespace: { type: 'string', default: 'default' },
      name: { type: 'string', description: 'A named subscription is durable unless ephemeral is true' },
      ephemeral: { type: 'boolean', description: 'The default without a name' },
      autoack: {
        type: 'boolean',
        default: false,
        description: 'Durable: sending counts as the ack (at most once). Ephemeral subscriptions need no acks',
      },
      filter: {
        type: 'object',
        description: 'Ephemeral only (a durable subscription has its own filter)',
        properties: {
          events: regex('the event type'),
          topic: regex('the topic (alias: topics)'),
          processType: regex('the process type'),
          reference: regex('the process id (alias: processId)'),
          author: regex('the author'),
        },
      },
      options: {
        type: 'object',
        properties: {
          firstEvent: {
            description: 'oldest, newest (only events after now) or a sequence number to start at',
            default: 'newest',
            oneOf: [
              { type: 'string', enum: ['oldest', 'newest'] },
              { type: 'integer', minimum: 0 },
            ],
          },
        },
      },
    },
    required: ['type'],
  },
  AckFrame: {
    type: 'object',
    description:
      'Acknowledges a delivery of a durable subscription: the offset moves past it. Without an id: the oldest ' +
      'delivery in flight on this connection. Ignored by ephemeral subscriptions',
    properties: {
      type: { type: 'string', const: 'ack' },
      id: { type: 'string', description: 'The event id, or the batch id of an event_batch' },
      subscription: {
        type: 'object',
        description: 'id, or namespace and name; needed only to tell apart several subscriptions of the connection',
        properties: { id: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' } },
      },
    },
    required: ['type'],
  },
  NackFrame: {
    type: 'object',
    description:
      'Refuses a delivery (Baton, beyond FireFly): offered again after a backoff (options.retry), ' +
      'then dead-lettered after options.retry.count attempts',
    properties: {
      type: { type: 'string', const: 'nack' },
      id: { type: 'string' },
      subscription: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
      reason: { type: 'string', description: 'Kept as the lastError of a dead letter' },
    },
    required: ['type'],
  },
  ProtocolErrorFrame: {
    type: 'object',
    description: 'A frame the gateway could not accept; the connection stays open',
    properties: { type: { type: 'string', const: 'protocol_error' }, error: { type: 'string' } },
    required: ['type', 'error'],
  },
};

const message = (name: string, title: string, schema: string) => ({
  name,
  title,
  payload: ref(`#/components/schemas/${schema}`),
});

/** The document served at GET /api/asyncapi.json; the same at every member. */
export function buildAsyncApiDocument() {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Baton gateway events',
      version: '1',
      description:
        "The member's event log over WebSocket (FireFly's protocol): send a start frame, receive events, ack or nack " +
        'those of durable subscriptions. Webhook subscriptions POST the same EventDelivery (an array with batch), ' +
        'signed in the x-baton-signature header (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." and the raw body under the subscription secret>: refuse an old t).',
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: '{gateway}',
        protocol: 'ws',
        description: "A member's gateway",
        variables: { gateway: { default: '127.0.0.1:3001', description: 'host:port of the gateway' } },
      },
    },
    channels: {
      ws: {
        address: '/ws',
        description:
          'One connection may hold several subscriptions; ephemeral ones end when it closes, durable ones hand ' +
          'what was in flight to their other connections.',
        messages: {
          start: ref('#/components/messages/start'),
          ack: ref('#/components/messages/ack'),
          nack: ref('#/components/messages/nack'),
          event: ref('#/components/messages/event'),
          eventBatch: ref('#/components/messages/eventBatch'),
          protocolError: ref('#/components/messages/protocolError'),
        },
      },
    },
    operations: {
      startSubscription: {
        action: 'send',
        channel: ref('#/channels/ws'),
        messages: [ref('#/channels/ws/messages/start')],
      },
      ackEvent: { action: 'send', channel: ref('#/channels/ws'), messages: [ref('#/channels/ws/messages/ack')] },
      nackEvent: { action: 'send', channel: ref('#/channels/ws'), messages: [ref('#/channels/ws/messages/nack')] },
      receiveEventBatch: {
        action: 'receive',
        channel: ref('#/channels/ws'),
        messages: [ref('#/channels/ws/messages/eventBatch')],
      },
      receiveEvent: {
        action: 'receive',
        channel: ref('#/channels/ws'),
        messages: [ref('#/channels/ws/messages/event')],
      },
      receiveProtocolError: {
        action: 'receive',
        channel: ref('#/channels/ws'),
        messages: [ref('#/channels/ws/messages/protocolError')],
      },
    },
    components: {
      messages: {
        start: message('start', 'Start a subscription', 'StartFrame'),
        ack: message('ack', 'Acknowledge an event', 'AckFrame'),
        nack: message('nack', 'Refuse an event, to have it again later', 'NackFrame'),
        event: message('event', 'An event, naming its subscription', 'EventDelivery'),
        eventBatch: message('event_batch', 'Events of a batching durable subscription', 'EventBatch'),
        protocolError: message('protocol_error', 'A refused frame', 'ProtocolErrorFrame'),
      },
      schemas,
    },
  };
}
