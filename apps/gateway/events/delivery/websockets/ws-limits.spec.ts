import { describe, expect, it } from 'vitest';
import { WsLimits } from './ws-limits.js';

describe('WsLimits', () => {
  it('admits connections per address up to the bound, and again after one closes', () => {
    const limits = new WsLimits(2, 10);
    expect([limits.open('a'), limits.open('a'), limits.open('a'), limits.open('b')]).toEqual([true, true, false, true]);
    limits.close('a');
    expect(limits.open('a')).toBe(true);
    expect(limits.open('a')).toBe(false);
  });

  it('lets a burst of twice the rate through, then the rate itself', () => {
    let now = 0;
    const take = new WsLimits(1, 10).frameBucket(() => now);
    const burst = Array.from({ length: 25 }, () => take());
    expect(burst.filter(Boolean).length).toBe(20);
    now += 500; // half a second buys five frames
    expect(Array.from({ length: 8 }, () => take()).filter(Boolean).length).toBe(5);
  });
});
