import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Every process status, so a status with no process reads 0 rather than vanishing. */
const PROCESS_STATUSES = ['running', 'completed', 'compensating', 'compensated', 'failed'] as const;

export interface GatewayMetricSources {
  /** Processes of this member by status, counted when Prometheus scrapes. */
  processCounts(): Promise<Record<string, number>>;
  /** Events each kind of WebSocket subscription is behind the event log. */
  subscriptionLag(): Promise<Record<string, number>>;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (one per
 * process). Gauges read their sources at scrape time; nothing is cached.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'baton_http_requests_total',
    help: 'HTTP requests answered by the gateway, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  /** Declared now so dashboards can be built; webhooks come with the events issue, nothing counts yet. */
  readonly webhookRetries = new Counter({
    name: 'baton_webhook_retries_total',
    help: 'Webhook deliveries retried (webhooks are not built yet: always 0)',
    registers: [this.registry],
  });

  constructor(sources: GatewayMetricSources) {
    new Gauge({
      name: 'baton_processes',
      help: "Processes in this member's processes table, by status",
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await sources.processCounts();
        this.reset();
        for (const status of new Set([...PROCESS_STATUSES, ...Object.keys(counts)]))
          this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: 'baton_subscription_lag',
      help: "Event log's latest sequence minus the oldest subscriber position, by subscription kind",
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        const lag = await sources.subscriptionLag();
        this.reset();
        for (const [kind, value] of Object.entries(lag)) this.set({ kind }, value);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition format, for GET /metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Express middleware counting every answered request. The route is the
   * matched pattern (`/api/v1/processes/:id`), never the raw path, so ids do
   * not multiply the series; a request no route matched counts as `unmatched`.
   */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      res.once('finish', () => {
        const pattern = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
        this.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
