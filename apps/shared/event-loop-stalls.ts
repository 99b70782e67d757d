import { performance } from 'node:perf_hooks';

export interface EventLoopStallsOptions {
  /** A tick later than this, in ms, is a stall; 0: stalls are never reported. */
  stallMs: number;
  /** How long a stall is reported from when it began, in ms (as long as it lasted, if longer). */
  windowMs: number;
}

export interface Stall {
  /** How long the event loop did not run timers, in ms. */
  blockedMs: number;
  /** How long ago the stall ended, in ms (0: it lasted until this very call). */
  endedMsAgo: number;
}

/** What `/healthz` answers, the gateway's and the worker's alike. */
export interface Liveness {
  httpStatus: 200 | 503;
  body: { status: 'ok' } | { status: 'stalled'; stall: Stall };
}

/**
 * Notices that the event loop was blocked: a timer ticks every `tickMs` and
 * measures how late it ran. A loop that is blocked right now answers no
 * probe at all (an orchestrator's probe times out); this keeps `/healthz`
 * failing until `windowMs` after a stall began too, so that a loop that
 * stalls again and again (a catastrophic regular expression run at each
 * event, a synchronous read of a huge file) fails probe after probe between
 * its stalls, and a liveness probe restarts it. Counted from the stall's
 * start, not its end: a single freeze the process came out of fails the
 * probes for as long as it lasted (or `windowMs`, if longer), so it alone
 * restarts the process only when it outlasted the probe's patience.
 *
 * @example
 * const stalls = EventLoopStalls.start({ stallMs: 2_000, windowMs: 10_000 });
 * const { httpStatus, body } = stalls.liveness();
 * stalls.stop();
 */
export class EventLoopStalls {
  private lastTick = performance.now();
  private last?: { blockedMs: number; endedAt: number };
  private readonly timer?: NodeJS.Timeout;

  private constructor(
    private readonly options: EventLoopStallsOptions,
    private readonly tickMs: number,
  ) {
    if (options.stallMs === 0) return;
    // unref: the watch never keeps a process alive that is otherwise done.
    this.timer = setInterval(() => this.tick(), tickMs).unref();
  }

  static start(options: EventLoopStallsOptions): EventLoopStalls {
    // Fine enough that a stall of stallMs shows, coarse enough to cost nothing.
    return new EventLoopStalls(options, Math.min(250, Math.max(10, Math.floor(options.stallMs / 4))));
  }

  /** The latest stall, until the window from its start is over. */
  recent(): Stall | undefined {
    if (!this.timer) return undefined;
    const now = performance.now();
    // Asked before the tick that follows a stall ran: the lateness is the stall.
    const overdue = now - this.lastTick - this.tickMs;
    const stall = overdue > this.options.stallMs ? { blockedMs: overdue, endedAt: now } : this.last;
    if (!stall || now - (stall.endedAt - stall.blockedMs) > this.options.windowMs) return undefined;
    return { blockedMs: Math.round(stall.blockedMs), endedMsAgo: Math.round(now - stall.endedAt) };
  }

  liveness(): Liveness {
    const stall = this.recent();
    return stall
      ? { httpStatus: 503, body: { status: 'stalled', stall } }
      : { httpStatus: 200, body: { status: 'ok' } };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.lastTick - this.tickMs;
    this.lastTick = now;
    if (late > this.options.stallMs) this.last = { blockedMs: late, endedAt: now };
  }
}
