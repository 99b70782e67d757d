import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, parseFrame, startFromQuery } from './ws-frames.js';

/**
 * Random frames at the WebSocket parser: a frame is either understood or
 * refused with a FrameError (which becomes a protocol_error frame); nothing
 * else may escape, or one client could take the gateway's handler down.
 */
function outcome(parse: () => unknown): 'parsed' | 'refused' {
  try {
    parse();
    return 'parsed';
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
    expect((err as Error).message.length).toBeGreaterThan(0);
    return 'refused';
  }
}

const keys = ['type', 'namespace', 'name', 'ephemeral', 'autoack', 'filter', 'options', 'id', 'subscription', 'reason'];
const frameObject = fc.dictionary(
  fc.oneof(fc.constantFrom(...keys), fc.string()),
  fc.oneof(
    fc.jsonValue(),
    fc.constantFrom('start', 'ack', 'nack', 'START', 'oldest', 'newest', '(', '.*', '^[', 'default'),
    fc.dictionary(
      fc.constantFrom('events', 'topic', 'reference', 'firstEvent', 'readAhead', 'withData'),
      fc.jsonValue(),
    ),
  ),
);

describe('WebSocket frames under random input (fast-check)', () => {
  it('parses or refuses any text, never throws anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          frameObject.map((f) => JSON.stringify(f)),
        ),
        (raw) => {
          outcome(() => parseFrame(raw));
        },
      ),
      // The first is a counterexample CI found: String() of it threw a TypeError.
      { numRuns: 2000, examples: [['{"type":{"toString":false}}'], ['{"type":{"valueOf":1,"toString":[]}}']] },
    );
  });

  it('refuses start frames whose filters are not valid regular expressions', () => {
    fc.assert(
      fc.property(fc.constantFrom('(', '[a-', '*x', '(?<', '\\'), (bad) => {
        expect(outcome(() => parseFrame(JSON.stringify({ type: 'start', filter: { events: bad } })))).toBe('refused');
      }),
    );
  });

  it("reads or refuses any query string of FireFly's start-on-connect form", () => {
    const param = fc.tuple(
      fc.oneof(
        fc.constantFrom('namespace', 'name', 'ephemeral', 'autoack', 'filter.events', 'filter.topic', 'firstEvent'),
        fc.string(),
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(param, { maxLength: 6 }), (params) => {
        outcome(() => startFromQuery(new URLSearchParams(params)));
      }),
      { numRuns: 1000 },
    );
  });
});
