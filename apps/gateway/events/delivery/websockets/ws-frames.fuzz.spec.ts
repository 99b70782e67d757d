import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameText } from '../../../../../test/support/ws-frame-arbitrary.js';
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

describe('WebSocket frames under random input (fast-check)', () => {
  it('parses or refuses any text, never throws anything else', () => {
    fc.assert(
      fc.property(frameText, (raw) => {
        outcome(() => parseFrame(raw));
      }),
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
