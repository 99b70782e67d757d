import { describe, expect, it } from 'vitest';
import { BUSY_WINDOW_MS, lingerFor } from './pin-batcher.js';

describe('lingerFor', () => {
  const options = { lingerMs: 20, busyLingerMs: 150 };
  const now = 1_700_000_000_000;

  it('keeps the short linger until a transaction has carried more than one pin', () => {
    expect(lingerFor(options, 0, now)).toBe(20);
  });

  it('lingers longer within the busy window of such a transaction, and no longer after it', () => {
    expect(lingerFor(options, now - 1, now)).toBe(150);
    expect(lingerFor(options, now - BUSY_WINDOW_MS + 1, now)).toBe(150);
    expect(lingerFor(options, now - BUSY_WINDOW_MS, now)).toBe(20);
  });

  it('never lingers less than the short linger, and a busy linger of 0 turns the longer wait off', () => {
    expect(lingerFor({ lingerMs: 200, busyLingerMs: 150 }, now - 1, now)).toBe(200);
    expect(lingerFor({ lingerMs: 20, busyLingerMs: 0 }, now - 1, now)).toBe(20);
    expect(lingerFor({ lingerMs: 20 }, now - 1, now)).toBe(20);
  });
});
