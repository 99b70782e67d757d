import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Api } from './api.js';
import { jsonLines } from './logs.js';
import { MEMBERS } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
const gateway = api.url('buyer');
/** The launcher gives each worker gateway port + 100 for /metrics, /healthz and /readyz. */
const worker = `http://127.0.0.1:${Number(new URL(gateway).port) + 100}`;

async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one series in Prometheus text format, e.g. `baton_processes{status="completed"}`. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

describe('metrics, health and structured logs', () => {
  it('counts a settled trade in the gateway and worker metrics, and logs it as JSON lines with its processId', async () => {
    const started = await api.startTrade(500);
    const views = await api.settled(started.id, ['completed', 'compensated', 'failed']);
    expect(views.buyer.status).toBe('completed');

    const gatewayText = await scrape(gateway);
    expect(value(gatewayText, 'baton_processes{status="completed"}')).toBeGreaterThanOrEqual(1);
    expect(gatewayText).toMatch(/^baton_subscription_lag\{kind="ephemeral"\} \d+$/m);
    expect(gatewayText).toMatch(
      /^baton_http_requests_total\{method="POST",route="\/api\/v1\/processes",status="202"\} \d+$/m,
    );
    expect(gatewayText).toContain('baton_webhook_retries_total 0');
    expect(gatewayText).toContain('process_cpu_user_seconds_total');

    const workerText = await scrape(worker);
    expect(value(workerText, 'baton_pins_per_transaction_count')).toBeGreaterThan(0);
    const stepCounts = workerText
      .split('\n')
      .filter((l) => l.startsWith('baton_step_duration_seconds_count{'))
      .map((l) => Number(l.split(' ').at(-1)));
    expect(stepCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(workerText).toMatch(
      /^baton_step_duration_seconds_count\{process_type="trade-settlement",step="place-order",kind="action"\} \d+$/m,
    );
    expect(value(workerText, 'baton_pin_transactions_total')).toBeGreaterThan(0);
    expect(value(workerText, 'baton_ledger_pins_recorded_total')).toBeGreaterThan(0);
    expect(value(workerText, 'baton_ledger_deliveries_total')).toBeGreaterThan(0);
    expect(value(workerText, 'baton_ledger_lag_blocks')).toBeGreaterThanOrEqual(0);
    expect(value(workerText, 'baton_messages_delivered_total')).toBeGreaterThan(0);
    expect(value(workerText, 'baton_message_delivery_waiting_processes')).toBe(0);

    for (const base of [gateway, worker]) {
      const live = await fetch(`${base}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status, `${base}/readyz: ${await ready.clone().text()}`).toBe(200);
    }

    // Every line of every member's gateway and worker log is a JSON object; the
    // lines about this process name it, and carry the pin where the ledger is involved.
    const logs = join(inject('e2eDataDir'), 'logs');
    for (const member of MEMBERS)
      for (const role of ['gateway', 'worker'])
        for (const line of jsonLines(join(logs, `${member}-${role}.log`))) {
          // The Temporal core's own lines (gRPC retries, slow tasks) are JSON of its own shape.
          if (role === 'worker' && typeof line.timestamp === 'string' && typeof line.fields === 'object') {
            expect(['WARN', 'ERROR']).toContain(line.level);
            continue;
          }
          expect(line).toMatchObject({ member, component: role });
          expect(typeof line.time).toBe('string');
          expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
          if ('pin' in line || 'step' in line) expect(line, JSON.stringify(line)).toHaveProperty('processId');
        }
    const mine = (member: string, role: string) =>
      jsonLines(join(logs, `${member}-${role}.log`)).filter((l) => l.processId === started.id);
    expect(mine('buyer', 'gateway').map((l) => l.msg)).toContain('process started');
    const buyerWorker = mine('buyer', 'worker');
    expect(buyerWorker.map((l) => l.msg)).toContain('process completed');
    expect(buyerWorker).toContainEqual(
      expect.objectContaining({ msg: 'step action done', step: 'place-order', processType: 'trade-settlement' }),
    );
    expect(mine('seller', 'worker')).toContainEqual(expect.objectContaining({ msg: 'step action done', step: 'ship' }));
  });
});
