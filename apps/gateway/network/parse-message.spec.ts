import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_KINDS } from '../../../workflows/messages.js';
import { canonicalJson } from '../../shared/exchange/canonical.js';
import { ApiError } from '../common/api-error.js';
import { parseMessage } from './network.service.js';

/** What another member (or anyone) may POST to /api/v1/network/messages, at random. */
const message = fc.record(
  {
    kind: fc.oneof(fc.constantFrom(...MESSAGE_KINDS), fc.string()),
    id: fc.oneof(fc.uuid(), fc.integer()),
    processId: fc.oneof(fc.uuid(), fc.constant(null)),
    author: fc.oneof(fc.constantFrom('buyer', 'seller'), fc.integer()),
    participants: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.constant(null)),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** 'accepted', or the error code. */
function verdict(body: string): string {
  try {
    parseMessage(body);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).code;
  }
}

describe('member message intake under random input (fast-check)', () => {
  it('answers any body with a message or a 400 with a stable code', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          message.map((m) => JSON.stringify(m)),
        ),
        (body) => {
          expect(['accepted', 'malformed-message', 'non-canonical-message']).toContain(verdict(body));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts exactly the canonical form of a well-formed message', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MESSAGE_KINDS),
        fc.uuid(),
        fc.dictionary(fc.constantFrom('buyer', 'seller', 'bank'), fc.constantFrom('a', 'b')),
        (kind, id, participants) => {
          const m = { kind, id, processId: id, author: 'buyer', participants, note: { z: 1, a: [2, 1] } };
          expect(verdict(canonicalJson(m))).toBe('accepted');
          const { note, ...rest } = m;
          const reordered = JSON.stringify({ note, ...rest }, null, 1);
          expect(verdict(reordered)).toBe('non-canonical-message');
        },
      ),
    );
  });
});
