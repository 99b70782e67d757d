import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shown } from './shown.js';

describe('shown', () => {
  it('gives strings as they are and anything else as JSON', () => {
    expect(shown('subscribe')).toBe('subscribe');
    expect(shown(5)).toBe('5');
    expect(shown(undefined)).toBe('undefined');
    expect(shown(JSON.parse('{"toString":false}'))).toBe('{"toString":false}');
  });

  it('never throws, whatever JSON.parse made (String() does on some objects)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(typeof shown(value)).toBe('string');
      }),
    );
    expect(() => String(JSON.parse('{"toString":false}'))).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(shown(cyclic)).toBe('[object Object]');
  });
});
