import { describe, expect, it } from 'vitest';
import { PollPace } from './append-signal.js';

describe('PollPace', () => {
  it('reads rarely while announcements are live, every pollMs while they are not', () => {
    const pace = new PollPace(20, 1_000);
    expect(pace.intervalMs(true)).toBe(1_000);
    expect(pace.intervalMs(false)).toBe(20);
    expect(new PollPace(5_000, 1_000).intervalMs(true)).toBe(5_000);
  });

  it('goes back to polling for good after MAX_MISSES reads in a row found growth nobody announced', () => {
    const pace = new PollPace(20, 1_000);
    for (let i = 1; i < PollPace.MAX_MISSES; i++) expect(pace.read(true, pace.begin(), true)).toBe(false);
    expect(pace.read(true, pace.begin(), true)).toBe(true);
    expect(pace.intervalMs(true)).toBe(20);
    pace.heard();
    expect(pace.read(true, pace.begin(), true)).toBe(false); // said once
    expect(pace.intervalMs(true)).toBe(20);
  });

  it('counts no miss for an announced read, a read that found nothing, or while not live', () => {
    const pace = new PollPace(20, 1_000);
    for (let round = 0; round < 5; round++) {
      for (let i = 1; i < PollPace.MAX_MISSES; i++) expect(pace.read(true, pace.begin(), true)).toBe(false);
      pace.heard();
      expect(pace.read(true, pace.begin(), true)).toBe(false); // an announced growth starts the count again
      expect(pace.read(false, pace.begin(), true)).toBe(false);
      expect(pace.read(true, pace.begin(), false)).toBe(false);
    }
    expect(pace.intervalMs(true)).toBe(1_000);
  });

  it('takes an announcement for the next read only once', () => {
    const pace = new PollPace(20, 1_000);
    pace.heard();
    pace.heard();
    expect(pace.begin()).toBe(true);
    expect(pace.begin()).toBe(false);
  });
});
