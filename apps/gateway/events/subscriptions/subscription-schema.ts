import { FILTER_FIELDS, MAX_REGEX_LENGTH } from '../event-filter.js';
import { MAX_READ_AHEAD } from './subscription-spec.js';

const duration = (description: string, example: string) => ({
  oneOf: [
    { type: 'string', example },
    { type: 'integer', minimum: 0 },
  ],
  description: `${description}: milliseconds, or a string such as 500ms, 5s, 2m`,
});

/** The OpenAPI schema of a POST or PUT /subscriptions body (validated by parseSubscriptionSpec). */
export const SUBSCRIPTION_BODY_SCHEMA = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    transport: { type: 'string', enum: ['websockets', 'webhooks'], default: 'websockets' },
    filter: {
      type: 'object',
      description: 'Regular expressions; `topics` and `processId` are accepted as aliases of topic and reference',
      properties: Object.fromEntries(FILTER_FIELDS.map((f) => [f, { type: 'string', maxLength: MAX_REGEX_LENGTH }])),
    },
    options: {
      type: 'object',
      properties: {
        firstEvent: {
          oneOf: [
            { type: 'string', enum: ['oldest', 'newest'] },
            { type: 'integer', minimum: 0 },
          ],
          default: 'newest',
          description: 'Where delivery starts when the subscription is created',
        },
        readAhead: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_READ_AHEAD,
          default: 50,
          description: 'Most unacked deliveries in flight per connection (per webhook)',
        },
        withData: { type: 'boolean', default: true, description: 'Deliver the event data' },
        batch: { type: 'boolean', default: false, description: 'Deliver arrays of events (WebSocket: event_batch)' },
        batchSize: { type: 'integer', minimum: 1, maximum: MAX_READ_AHEAD, description: 'Default: readAhead' },
        retry: {
          type: 'object',
          properties: {
            count: {
              type: 'integer',
              minimum: 1,
              maximum: 100,
              default: 5,
              description: 'Attempts before dead letter',
            },
            initialDelay: duration('Wait after the first refusal', '1s'),
            maxDelay: duration('Longest wait', '60s'),
            factor: { type: 'integer', minimum: 1, maximum: 10, default: 2 },
          },
        },
        url: { type: 'string', format: 'uri', description: 'webhooks: the http(s) URL events are POSTed to' },
        requestTimeout: duration('webhooks: how long one POST may take', '30s'),
      },
    },
  },
};
