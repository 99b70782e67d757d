import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chunks, groupBy, mapInWaves, sumInWaves } from './chunks.js';

describe('chunks and groups', () => {
  it('cuts a list into runs, the last one shorter', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 2)).toEqual([]);
  });

  it('groups by key, keeping the order of first appearance and the order within each group', () => {
    const rows = [
      { context: 'b', id: 1 },
      { context: 'a', id: 2 },
      { context: 'b', id: 3 },
    ];
    const groups = groupBy(rows, (r) => r.context);
    expect([...groups.keys()]).toEqual(['b', 'a']);
    expect(groups.get('b')!.map((r) => r.id)).toEqual([1, 3]);
  });

  it('maps in waves, keeping the order of the items', async () => {
    const doubled = await mapInWaves([5, 1, 4, 2], 2, async (n) => {
      await sleep(n); // the later items of a wave finish first
      return n * 2;
    });
    expect(doubled).toEqual([10, 2, 8, 4]);
    expect(await mapInWaves([], 2, (n: number) => Promise.resolve(n))).toEqual([]);
  });

  it('runs at most `width` tasks at a time and adds up their results', async () => {
    let running = 0;
    let most = 0;
    const sum = await sumInWaves([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await sleep(5);
      running--;
      return n;
    });
    expect(sum).toBe(28);
    expect(most).toBe(3);
  });
});
