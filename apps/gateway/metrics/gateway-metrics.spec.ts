import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics.js';

describe('GatewayMetrics', () => {
  it('counts processes by status and subscription lag at scrape time', async () => {
    let counts: Record<string, number> = { completed: 2, running: 1 };
    const metrics = new GatewayMetrics({
      processCounts: () => Promise.resolve(counts),
      subscriptionLag: () => Promise.resolve({ ephemeral: 5 }),
    });
    let text = await metrics.text();
    expect(text).toContain('baton_processes{status="completed"} 2');
    expect(text).toContain('baton_processes{status="running"} 1');
    expect(text).toContain('baton_processes{status="failed"} 0');
    expect(text).toContain('baton_subscription_lag{kind="ephemeral"} 5');
    expect(text).toContain('baton_webhook_retries_total 0');
    expect(text).toContain('process_resident_memory_bytes');
    counts = { completed: 3 };
    text = await metrics.text();
    expect(text).toContain('baton_processes{status="completed"} 3');
    expect(text).toContain('baton_processes{status="running"} 0');
  });

  it('counts HTTP requests by route pattern, not by raw path', async () => {
    const metrics = new GatewayMetrics({
      processCounts: () => Promise.resolve({}),
      subscriptionLag: () => Promise.resolve({}),
    });
    const middleware = metrics.httpMiddleware();
    const request = (path: string | undefined, status: number) => {
      const res = Object.assign(new EventEmitter(), { statusCode: status }) as unknown as Response;
      const req = { method: 'GET', baseUrl: '', route: path ? { path } : undefined } as unknown as Request;
      middleware(req, res, (() => undefined) as NextFunction);
      (res as unknown as EventEmitter).emit('finish');
    };
    request('/api/v1/processes/:id', 200);
    request('/api/v1/processes/:id', 200);
    request(undefined, 404);
    const text = await metrics.text();
    expect(text).toContain('baton_http_requests_total{method="GET",route="/api/v1/processes/:id",status="200"} 2');
    expect(text).toContain('baton_http_requests_total{method="GET",route="unmatched",status="404"} 1');
  });
});
