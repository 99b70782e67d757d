import fc from 'fast-check';

/** Keys of FireFly's WebSocket frames, so generated objects often look like real ones. */
const KEYS = ['type', 'namespace', 'name', 'ephemeral', 'autoack', 'filter', 'options', 'id', 'subscription', 'reason'];

/** An object shaped like a /ws frame: FireFly's keys and values mixed with anything JSON. */
export const frameObject = fc.dictionary(
  fc.oneof(fc.constantFrom(...KEYS), fc.string()),
  fc.oneof(
    fc.jsonValue(),
    fc.constantFrom('start', 'ack', 'nack', 'START', 'oldest', 'newest', '(', '.*', '^[', 'default'),
    fc.dictionary(
      fc.constantFrom('events', 'topic', 'reference', 'firstEvent', 'readAhead', 'withData'),
      fc.jsonValue(),
    ),
  ),
);

/** Any JSON value, or one of the values the frames' fields expect. */
const fieldValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('default', 'oldest', 'newest', 'my-app', '.*', '(', true, false, 0, -1, 1e9),
);

/**
 * Frames of the types the gateway acts on (start, ack, nack) with every
 * field of any JSON type: the handlers behind the parser see these, where
 * random objects rarely get past the frame's type.
 */
export const typedFrame = fc.record(
  {
    type: fc.constantFrom('start', 'start', 'ack', 'nack', 'Start', 'ACK'),
    namespace: fieldValue,
    name: fieldValue,
    ephemeral: fc.oneof(fc.boolean(), fieldValue),
    autoack: fc.oneof(fc.boolean(), fieldValue),
    id: fieldValue,
    subscription: fc.oneof(fieldValue, fc.record({ id: fieldValue, name: fieldValue }, { requiredKeys: [] })),
    filter: fc.oneof(fieldValue, fc.dictionary(fc.constantFrom('events', 'topic', 'reference', 'author'), fieldValue)),
    options: fc.oneof(
      fieldValue,
      fc.dictionary(fc.constantFrom('firstEvent', 'readAhead', 'withData', 'batch', 'batchTimeout'), fieldValue),
    ),
  },
  { requiredKeys: ['type', 'name'] },
);

/** The text of a /ws frame: any string, any JSON, a frame-shaped object, or a typed frame with odd fields. */
export const frameText = fc.oneof(
  fc.string(),
  fc.json(),
  frameObject.map((f) => JSON.stringify(f)),
  { arbitrary: typedFrame.map((f) => JSON.stringify(f)), weight: 4 },
);
