import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventLoopStalls } from '../../shared/event-loop-stalls.js';
import type { Logger } from '../../shared/logger.js';
import type { WorkerMetrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  reason?: string;
}

/**
 * The worker's own small HTTP server (it has no gateway): `/metrics`
 * (Prometheus text), `/healthz` (liveness: 200 while the process serves and
 * its event loop has not stalled lately, see EventLoopStalls) and `/readyz`
 * (200 when `readiness()` says ready, else 503 with the reason).
 */
export class HealthServer {
  private constructor(private readonly server: Server) {}

  /** Where it listens (port 0 in `start` takes a free port). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(options: {
    port: number;
    host: string;
    metrics: WorkerMetrics;
    readiness: () => Readiness;
    stalls: EventLoopStalls;
    log: Logger;
  }): Promise<HealthServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const json = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'GET') return json(405, { error: 'only GET' });
      if (path === '/healthz') {
        const { httpStatus, body } = options.stalls.liveness();
        return json(httpStatus, body);
      }
      if (path === '/readyz') {
        const r = options.readiness();
        return json(r.ready ? 200 : 503, r.ready ? { status: 'ready' } : { status: 'not-ready', reason: r.reason });
      }
      if (path === '/metrics')
        return void options.metrics.text().then(
          (text) => res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
          (err: unknown) => json(500, { error: String(err) }),
        );
      json(404, { error: 'not found' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    options.log.info('metrics and health endpoints listening', {
      url: `http://${options.host}:${options.port}/metrics`,
    });
    return new HealthServer(server);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
