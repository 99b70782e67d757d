import { describe, expect, it } from 'vitest';
import { DeliverySlots } from './delivery-slots.js';

/** Takes `n` slots for `key`, recording the order they were granted in. */
function take(slots: DeliverySlots, key: string, n: number, granted: string[]): Promise<() => void>[] {
  return Array.from({ length: n }, () =>
    slots.acquire(key).then((release) => {
      granted.push(key);
      return release;
    }),
  );
}

const settle = () => new Promise((r) => setImmediate(r));

describe('delivery slots', () => {
  it('keeps at most max requests in flight, and one subscription to half of them', async () => {
    const slots = new DeliverySlots(4);
    const granted: string[] = [];
    const slow = take(slots, 'slow', 10, granted);
    await settle();
    expect(granted).toEqual(['slow', 'slow']);
    expect(slots.counts).toEqual({ inUse: 2, waiting: 8 });
    const other = take(slots, 'other', 3, granted);
    await settle();
    expect(granted).toEqual(['slow', 'slow', 'other', 'other']);
    expect(slots.counts).toEqual({ inUse: 4, waiting: 9 });
    (await slow[0])();
    (await slow[0])(); // a second call of the same release changes nothing
    await settle();
    expect(slots.counts).toEqual({ inUse: 4, waiting: 8 });
    expect(granted.at(-1)).toBe('slow');
    (await other[0])();
    await settle();
    expect(granted.at(-1)).toBe('other');
  });

  it('gives freed slots to the waiting subscriptions in turn', async () => {
    const slots = new DeliverySlots(1);
    const granted: string[] = [];
    const releases: (() => void)[] = [];
    const want = (key: string) =>
      void slots.acquire(key).then((release) => granted.push(key) && releases.push(release));
    want('a');
    await settle();
    for (const key of ['a', 'a', 'b', 'b']) want(key);
    for (let i = 0; i < 4; i++) {
      releases[i]();
      await settle();
    }
    expect(granted).toEqual(['a', 'a', 'b', 'a', 'b']);
    releases[4]();
    expect(slots.counts).toEqual({ inUse: 0, waiting: 0 });
  });
});
