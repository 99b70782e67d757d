import { describe, expect, it } from 'vitest';
import { parseDuration, retryDelay } from './retry-policy.js';

describe('retry policy', () => {
  it('waits exponentially longer, up to the maximum', () => {
    const policy = { count: 10, initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(policy, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it.each([
    [250, 250],
    ['250', 250],
    ['250ms', 250],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ])('reads the duration %j as %d ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each([-1, '5 minutes', 'ms', null, {}])('refuses %j', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});
