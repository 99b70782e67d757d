import { describe, expect, it } from 'vitest';
import { DeliveryWindow } from './delivery-window.js';

describe('DeliveryWindow', () => {
  it('keeps the offset below the oldest event not yet acked', () => {
    const w = new DeliveryWindow(10);
    for (const s of [11, 13, 14]) w.enter(s);
    w.readThrough(15); // 12 and 15 were filtered out
    expect(w.offset()).toBe(10);
    w.leave(13);
    expect(w.offset()).toBe(10);
    w.leave(11);
    expect(w.offset()).toBe(13);
    w.leave(14);
    expect(w.offset()).toBe(15);
    expect(w.size).toBe(0);
  });

  it('moves with the reading when nothing is open', () => {
    const w = new DeliveryWindow(0);
    w.readThrough(500);
    expect(w.offset()).toBe(500);
    expect(w.lastRead).toBe(500);
  });

  it('refuses an event entering out of order', () => {
    const w = new DeliveryWindow(0);
    w.enter(5);
    expect(() => w.enter(5)).toThrow('out of order');
  });

  it('stays right across many events acked in any order', () => {
    const w = new DeliveryWindow(0);
    const acked = new Set<number>();
    const n = 5_000;
    for (let s = 1; s <= n; s++) w.enter(s);
    const order = Array.from({ length: n }, (_, i) => i + 1).sort(
      (a, b) => ((a * 7919) % 5_003) - ((b * 7919) % 5_003),
    );
    let lowest = 1;
    for (const s of order) {
      w.leave(s);
      acked.add(s);
      while (acked.has(lowest)) lowest++;
      expect(w.offset()).toBe(lowest - 1);
    }
    expect(w.offset()).toBe(n);
  });
});
