import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLoopStalls } from '../../shared/event-loop-stalls.js';
import { createLogger } from '../../shared/logger.js';
import { HealthServer } from './health-server.js';
import { WorkerMetrics } from './metrics.js';

describe("the worker's /healthz", () => {
  const stalls = EventLoopStalls.start({ stallMs: 200, windowMs: 3_000 });
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.stop();
    stalls.stop();
  });

  it('answers 503 after its event loop was blocked, 200 again once the window is over, /readyz all along', async () => {
    server = await HealthServer.start({
      port: 0,
      host: '127.0.0.1',
      metrics: new WorkerMetrics(),
      readiness: () => ({ ready: true }),
      stalls,
      log: createLogger('worker', 'test', 'error'),
    });
    const status = async (path: string) =>
      (await fetch(`http://127.0.0.1:${server!.port}${path}`, { signal: AbortSignal.timeout(5_000) })).status;
    await vi.waitFor(async () => expect(await status('/healthz')).toBe(200), { timeout: 5_000 });
    // Busy for 600 ms, as a catastrophic regular expression would keep it.
    for (const until = Date.now() + 600; Date.now() < until;);
    const stalled = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(stalled.status).toBe(503);
    const body = (await stalled.json()) as { status: string; stall: { blockedMs: number } };
    expect(body.status).toBe('stalled');
    expect(body.stall.blockedMs).toBeGreaterThan(200);
    expect(await status('/readyz')).toBe(200);
    await vi.waitFor(async () => expect(await status('/healthz')).toBe(200), { timeout: 5_000 });
  });
});
