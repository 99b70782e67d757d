import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError, parseSubscriptionSpec } from './subscription-spec.js';

/**
 * The body of POST and PUT /subscriptions is read by hand, not by a DTO:
 * whatever JSON arrives, it is a subscription or a SpecError (a 400), never
 * another exception (a 500).
 */
const anything = fc.jsonValue({ maxDepth: 4 });
const near = <T>(valid: fc.Arbitrary<T>) => fc.oneof(valid, anything);
const filter = fc.dictionary(
  fc.constantFrom('events', 'topic', 'topics', 'processType', 'processtype', 'reference', 'processId', 'author'),
  near(fc.oneof(fc.string(), fc.constantFrom('^process-.*', '(', '[a-', '\\', '.*'.repeat(300)))),
);
const retry = fc.record(
  {
    count: near(fc.integer({ min: -5, max: 200 })),
    initialDelay: near(fc.constantFrom('50ms', '5s', '2m', '1h', '25h', '-1s', 's', '1e400ms')),
    maxDelay: near(fc.string()),
    factor: near(fc.integer()),
  },
  { requiredKeys: [] },
);
const options = fc.record(
  {
    firstEvent: near(fc.oneof(fc.constantFrom('oldest', 'newest', '12', '9'.repeat(30)), fc.integer())),
    readAhead: near(fc.integer({ min: -1, max: 2000 })),
    batch: near(fc.boolean()),
    batchSize: near(fc.integer()),
    withData: near(fc.boolean()),
    url: near(fc.oneof(fc.webUrl(), fc.constantFrom('ftp://x', 'http://', '//x', 'http://[::1]:80/'))),
    requestTimeout: near(fc.string()),
    retry: near(retry),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  anything,
  fc.record(
    {
      name: near(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,70}$/))),
      transport: near(fc.constantFrom('websockets', 'webhooks', 'WebSockets')),
      filter: near(filter),
      options: near(options),
    },
    { requiredKeys: [] },
  ),
);

describe('subscription bodies under random input (fast-check)', () => {
  it('are a subscription or a SpecError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        try {
          // Through a promise: the reading may come to look up the webhook's host.
          const spec = await Promise.resolve(parseSubscriptionSpec(value));
          expect(typeof spec.name).toBe('string');
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(SpecError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
