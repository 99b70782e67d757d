import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitiseName } from '../../shared/exchange/blob-names.js';
import { attachment } from './content-disposition.js';

describe('attachment', () => {
  it('puts an ASCII name as it is, and any other in filename* as well', () => {
    expect(attachment('report (v2).pdf')).toBe('attachment; filename="report (v2).pdf"');
    expect(attachment('日本.txt')).toBe(`attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`);
    expect(attachment("café's (1)*.txt")).toBe(
      `attachment; filename="caf_'s (1)*.txt"; filename*=UTF-8''caf%C3%A9%27s%20%281%29%2A.txt`,
    );
    expect(attachment('a"b\\c')).toMatch(/^attachment; filename="a_b_c"; filename\*=UTF-8''a%22b%5Cc$/);
  });

  it('is a valid header value for any name, stored or not (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (name) => {
        for (const n of [name, sanitiseName(name)]) {
          expect(() => validateHeaderValue('content-disposition', attachment(n))).not.toThrow();
          const star = /filename\*=UTF-8''(.*)$/.exec(attachment(n))?.[1];
          if (star !== undefined && !/[\uD800-\uDFFF]/u.test(n)) expect(decodeURIComponent(star)).toBe(n);
        }
      }),
      { numRuns: 500 },
    );
  });
});
