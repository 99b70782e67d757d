import { describe, expect, it } from 'vitest';
import { SharedAnswer } from './shared-answer.js';

/** A compute function that counts its runs and ends each when told. */
function gated() {
  let runs = 0;
  const ends: ((value: number) => void)[] = [];
  const fails: ((err: Error) => void)[] = [];
  const compute = () =>
    new Promise<number>((resolve, reject) => {
      runs += 1;
      ends.push(resolve);
      fails.push(reject);
    });
  return {
    compute,
    runs: () => runs,
    end: (i: number, value: number) => ends[i](value),
    fail: (i: number) => fails[i](new Error('down')),
  };
}

describe('SharedAnswer', () => {
  it('runs once for callers that come while it runs, and reuses the answer for reuseMs after', async () => {
    let now = 1_000;
    const g = gated();
    const shared = new SharedAnswer(g.compute, 1_000, () => now);
    const crowd = Array.from({ length: 100 }, () => shared.get());
    expect(g.runs()).toBe(1);
    g.end(0, 7);
    expect(await Promise.all(crowd)).toEqual(Array(100).fill(7));
    now += 999;
    expect(await shared.get()).toBe(7);
    expect(g.runs()).toBe(1);
    now += 1;
    const next = shared.get();
    expect(g.runs()).toBe(2);
    g.end(1, 8);
    expect(await next).toBe(8);
  });

  it('does not reuse a failed run', async () => {
    const g = gated();
    const shared = new SharedAnswer(g.compute, 60_000);
    const first = shared.get();
    g.fail(0);
    await expect(first).rejects.toThrow('down');
    const second = shared.get();
    expect(g.runs()).toBe(2);
    g.end(1, 1);
    expect(await second).toBe(1);
  });

  it('runs for every call with reuseMs 0', () => {
    const g = gated();
    const shared = new SharedAnswer(g.compute, 0);
    void shared.get();
    void shared.get();
    expect(g.runs()).toBe(2);
  });
});
