import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLoopStalls } from './event-loop-stalls.js';

/** Keeps the event loop busy, as a catastrophic regular expression would. */
function blockEventLoop(ms: number): void {
  for (const until = Date.now() + ms; Date.now() < until;);
}

describe('EventLoopStalls', () => {
  let stalls: EventLoopStalls | undefined;
  afterEach(() => stalls?.stop());

  it('reports a blocked loop at once, until the window from its start is over', async () => {
    stalls = EventLoopStalls.start({ stallMs: 200, windowMs: 3_000 });
    await vi.waitFor(() => expect(stalls!.recent()).toBeUndefined());
    blockEventLoop(600);
    // Asked before any timer ran again: the lateness itself is the stall.
    expect(stalls.recent()?.blockedMs).toBeGreaterThan(200);
    expect(stalls.liveness().httpStatus).toBe(503);
    await sleep(100);
    // Once the watch has ticked, the stall is remembered with its length.
    expect(stalls.recent()?.blockedMs).toBeGreaterThan(200);
    expect(stalls.liveness()).toMatchObject({ httpStatus: 503, body: { status: 'stalled' } });
    // The window over, /healthz answers 200 again.
    await vi.waitFor(() => expect(stalls!.liveness()).toEqual({ httpStatus: 200, body: { status: 'ok' } }), {
      timeout: 5_000,
    });
  });

  it('counts the window from the start of a stall: one longer than the window is over once the loop runs', async () => {
    stalls = EventLoopStalls.start({ stallMs: 200, windowMs: 300 });
    await vi.waitFor(() => expect(stalls!.recent()).toBeUndefined());
    blockEventLoop(600);
    expect(stalls.recent()).toBeUndefined();
    await sleep(50);
    expect(stalls.recent()).toBeUndefined();
  });

  it('with stallMs 0 never reports a stall', () => {
    stalls = EventLoopStalls.start({ stallMs: 0, windowMs: 1_000 });
    blockEventLoop(300);
    expect(stalls.recent()).toBeUndefined();
    expect(stalls.liveness().httpStatus).toBe(200);
  });
});
