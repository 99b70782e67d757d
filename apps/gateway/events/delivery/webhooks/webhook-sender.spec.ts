import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSED, WebhookSender, type WebhookSenderSettings } from './webhook-sender.js';

const servers: Server[] = [];
const senders: WebhookSender[] = [];

/** A loopback receiver; `handle` answers each request. Resolves to its port. */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

function sender(settings: Partial<WebhookSenderSettings>, resolve?: (host: string) => Promise<LookupAddress[]>) {
  const s = new WebhookSender(
    { allowedHosts: [], maxConcurrent: 10, connectTimeoutMs: 1000, maxRequestMs: 5000, ...settings },
    resolve,
  );
  senders.push(s);
  return s;
}

const post = (s: WebhookSender, url: string, timeoutMs = 5000) =>
  s.post('sub-1', url, () => ({ 'content-type': 'application/json' }), '{"a":1}', timeoutMs);

afterEach(async () => {
  for (const s of senders.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('webhook sender', () => {
  it('POSTs to an allowed receiver: a 2xx is taken, anything else is why not', async () => {
    let status = 204;
    const bodies: string[] = [];
    const port = await receiver((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(status).end('ignored');
      });
    });
    const s = sender({ allowedHosts: ['127.0.0.1'] });
    expect(await post(s, `http://127.0.0.1:${port}/hook?x=1`)).toBeUndefined();
    status = 500;
    expect(await post(s, `http://127.0.0.1:${port}/hook`)).toBe('HTTP 500');
    expect(bodies).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('sends nothing to an internal address, and answers the same whatever listens there', async () => {
    let reached = 0;
    const open = await receiver((_req, res) => {
      reached += 1;
      res.writeHead(200).end();
    });
    const closed = await receiver(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    const s = sender({}, () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]));
    const answers = await Promise.all(
      [
        `http://127.0.0.1:${open}/`,
        `http://127.0.0.1:${closed}/`,
        `http://localhost:${open}/`,
        'http://169.254.169.254/',
      ].map((url) => post(s, url)),
    );
    expect(answers).toEqual([REFUSED, REFUSED, REFUSED, REFUSED]);
    expect(reached).toBe(0);
  });

  it('connects to the address it checked, never asking DNS again (no rebinding)', async () => {
    let reached = 0;
    const port = await receiver((_req, res) => {
      reached += 1;
      res.writeHead(200).end();
    });
    let lookups = 0;
    // The system resolver knows no `hooks.test`: only the checked answer can take the request anywhere.
    const s = sender({ allowedHosts: ['hooks.test'] }, () => {
      lookups += 1;
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    });
    expect(await post(s, `http://hooks.test:${port}/`)).toBeUndefined();
    expect([lookups, reached]).toEqual([1, 1]);
  });

  it('cuts off a receiver that trickles its answer, at the smaller of its timeout and WEBHOOK_MAX_REQUEST_MS', async () => {
    const port = await receiver((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(drip));
    });
    const s = sender({ allowedHosts: ['127.0.0.1'], maxRequestMs: 300 });
    const started = Date.now();
    expect(await post(s, `http://127.0.0.1:${port}/`, 60_000)).toBe('no answer in 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await post(s, `http://127.0.0.1:${port}/`, 100)).toBe('no answer in 100 ms');
  });

  it('keeps at most WEBHOOK_MAX_CONCURRENT requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const port = await receiver((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200).end();
      }, 30);
    });
    const s = sender({ allowedHosts: ['127.0.0.1'], maxConcurrent: 2 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => s.post(`sub-${i % 3}`, `http://127.0.0.1:${port}/`, () => ({}), '{}', 5000)),
    );
    expect(answers).toEqual(Array(6).fill(undefined));
    expect(most).toBe(2);
  });

  it('refuses at creation what a delivery would refuse', async () => {
    const s = sender({ allowedHosts: ['127.0.0.1'] }, () => Promise.resolve([{ address: '10.0.0.1', family: 4 }]));
    await expect(s.check('http://127.0.0.1:1/')).resolves.toBeUndefined();
    await expect(s.check('http://[::1]/')).rejects.toThrow('resolves to a loopback address');
    await expect(s.check('http://internal.example/')).rejects.toThrow('resolves to a private address');
  });
});
