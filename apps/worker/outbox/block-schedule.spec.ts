import { describe, expect, it } from 'vitest';
import { BlockSchedule } from './block-schedule.js';

const t0 = 1_700_000_000_000;
const BLOCK = 12_000;
const AHEAD = 500;

/** A schedule that has seen its transactions wait twice, then heads at `heads` ms from t0 (every BLOCK, three, by default). */
function onItsOwnSchedule(heads: number | number[] = 3): BlockSchedule {
  const s = new BlockSchedule(AHEAD);
  s.mined(true);
  s.mined(true);
  const at = typeof heads === 'number' ? Array.from({ length: heads }, (_, i) => i * BLOCK) : heads;
  for (const ms of at) s.headSeen(t0 + ms);
  return s;
}

describe('BlockSchedule', () => {
  it('sends at once on a chain that mines each transaction as it comes', () => {
    const s = new BlockSchedule(AHEAD);
    for (let i = 0; i < 5; i++) {
      s.headSeen(t0 + i * 150);
      s.mined(false);
    }
    expect(s.intervalMs).toBeUndefined();
    expect(s.waitMs(t0 + 700)).toBe(0);
  });

  it('learns the interval once its transactions wait for blocks, and sends just before the next one', () => {
    const s = onItsOwnSchedule();
    const last = t0 + 2 * BLOCK;
    expect(s.intervalMs).toBe(BLOCK);
    expect(s.waitMs(last + 50)).toBe(BLOCK - AHEAD - 50);
    expect(s.waitMs(last + BLOCK - AHEAD - 1)).toBe(1);
    // Within the margin before the block: now, rather than a whole block later.
    expect(s.waitMs(last + BLOCK - 200)).toBe(0);
    // The chain mined no block for a while (nothing to mine): it keeps its beat.
    expect(s.waitMs(last + 2.5 * BLOCK)).toBe(0.5 * BLOCK - AHEAD);
  });

  it('needs two transactions in a row that waited, and two heads since the first was sent', () => {
    const s = new BlockSchedule(AHEAD);
    s.mined(true);
    for (let i = 0; i < 2; i++) s.headSeen(t0 + i * BLOCK);
    expect(s.intervalMs).toBeUndefined();
    s.mined(true);
    expect(s.intervalMs).toBe(BLOCK);
    expect(onItsOwnSchedule(1).intervalMs).toBeUndefined();
  });

  it("learns from the first waiting transaction's own block on", () => {
    const s = new BlockSchedule(AHEAD);
    for (let i = 0; i < 8; i++) s.headSeen(t0 + i * 150); // mined on demand, 150 ms apart
    s.mined(false);
    const sentAt = t0 + 2_000;
    s.headSeen(sentAt + 3_000); // the block that mined it, announced before its receipt came
    s.mined(true, sentAt);
    s.headSeen(sentAt + 3_000 + BLOCK);
    s.mined(true, sentAt + 3_100);
    expect(s.intervalMs).toBe(BLOCK);
    expect(s.waitMs(sentAt + 3_000 + BLOCK + 100)).toBe(BLOCK - AHEAD - 100);
  });

  it('forgets the heads from before the chain began to mine on its own', () => {
    const s = new BlockSchedule(AHEAD);
    for (let i = 0; i < 8; i++) s.headSeen(t0 + i * 150); // mined on demand, 150 ms apart
    s.mined(false);
    s.mined(true);
    s.mined(true);
    const from = t0 + 5_000;
    for (let i = 0; i < 3; i++) s.headSeen(from + i * BLOCK);
    expect(s.intervalMs).toBe(BLOCK);
  });

  it('takes the shortest gap: blocks skipped while nothing was sent are whole multiples of it', () => {
    const s = onItsOwnSchedule([0, 3, 4, 6].map((k) => k * BLOCK));
    expect(s.intervalMs).toBe(BLOCK);
  });

  it('keeps the beat when the last head reached it late', () => {
    const s = onItsOwnSchedule();
    s.headSeen(t0 + 3 * BLOCK + 400); // announced 400 ms after its block
    const now = t0 + 3 * BLOCK + 450;
    // The next block is due at 4 × BLOCK, not 400 ms later: sending after the late head's beat would miss it.
    expect(s.waitMs(now)).toBe(4 * BLOCK - AHEAD - (3 * BLOCK + 450));
  });

  it('takes the beat from the earliest heads, however late the others came', () => {
    const lateBy = [100, 0, 300, 700, 0, 50];
    const s = onItsOwnSchedule(lateBy.map((late, k) => k * BLOCK + late));
    expect(s.intervalMs).toBe(BLOCK);
    const now = t0 + 5 * BLOCK + 60;
    expect(s.waitMs(now)).toBe(6 * BLOCK - AHEAD - (5 * BLOCK + 60));
  });

  it('is not thrown off when a late head makes the gap after it short', () => {
    const s = onItsOwnSchedule([0, BLOCK + 400, 2 * BLOCK]);
    expect(s.intervalMs).toBe(BLOCK);
    expect(s.waitMs(t0 + 2 * BLOCK + 10)).toBe(BLOCK - AHEAD - 10);
  });

  it('fits heads read off a real clock: whole milliseconds, an interval that is not', () => {
    const s = new BlockSchedule(AHEAD);
    s.mined(true);
    s.mined(true);
    const start = 1_764_430_000_123;
    const interval = 2_000 + 1 / 3;
    const heads = [0, 1, 2, 4, 5, 6, 7, 9].map((k) =>
      Math.round(start + k * interval + [3, 0, 1, 7, 0, 2, 0, 4][k % 8]),
    );
    for (const at of heads) s.headSeen(at);
    expect(s.intervalMs).toBeCloseTo(interval, 0);
    const now = heads[heads.length - 1] + 100;
    const wait = s.waitMs(now);
    // Due at start + 10 intervals; the fit may sit up to a few ms off the true line, never after the earliest heads.
    expect(Math.abs(now + wait + AHEAD - (start + 10 * interval))).toBeLessThan(5);
  });

  it('sends at once again as soon as a transaction is mined as it comes', () => {
    const s = onItsOwnSchedule();
    s.mined(false);
    expect(s.intervalMs).toBeUndefined();
    expect(s.waitMs(t0 + 2 * BLOCK + 50)).toBe(0);
  });
});
