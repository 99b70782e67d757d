import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { whenUnresponsive } from './health-probe.js';

/** A stand-in for a member's /healthz that answers as `answer` says at each request ('hang': never). */
async function fakeHealthz(answer: () => number | 'hang'): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    const status = answer();
    if (status !== 'hang') res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz` };
}

describe('whenUnresponsive', () => {
  const servers: Server[] = [];
  let done = new AbortController();
  afterEach(() => {
    done.abort();
    done = new AbortController();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });
  const probe = (url: string, unresponsiveAfterMs = 600) =>
    whenUnresponsive({ url, unresponsiveAfterMs, everyMs: 100, signal: done.signal });

  it('resolves once a process that answered stops answering, after the time allowed', async () => {
    let hung = false;
    const { server, url } = await fakeHealthz(() => (hung ? 'hang' : 200));
    servers.push(server);
    const unresponsive = probe(url);
    await sleep(400);
    hung = true;
    const hungAt = Date.now();
    const problem = await unresponsive;
    expect(Date.now() - hungAt).toBeGreaterThanOrEqual(300);
    expect(problem).toMatch(/^no 200 from http:\/\/127\.0\.0\.1:\d+\/healthz for \d+ s \(.*timeout.*\)$/);
  });

  it('rides out a freeze shorter than the time allowed (a process that resumes is left alone)', async () => {
    let hung = false;
    const { server, url } = await fakeHealthz(() => (hung ? 'hang' : 200));
    servers.push(server);
    const unresponsive = probe(url, 1_000);
    await sleep(300);
    hung = true;
    await sleep(500);
    hung = false;
    expect(await Promise.race([unresponsive, sleep(1_500, 'still watching')])).toBe('still watching');
  });

  it('counts a 503 (a loop that keeps stalling) as no answer', async () => {
    let stalled = false;
    const { server, url } = await fakeHealthz(() => (stalled ? 503 : 200));
    servers.push(server);
    const unresponsive = probe(url);
    await sleep(300);
    stalled = true;
    expect(await unresponsive).toMatch(/\(answered 503\)$/);
  });

  it('gives a process that never answered twice as long (it is starting), then gives up on it', async () => {
    const { server, url } = await fakeHealthz(() => 'hang');
    servers.push(server);
    const startedAt = Date.now();
    const unresponsive = probe(url, 500);
    expect(await Promise.race([unresponsive, sleep(700, 'still waiting')])).toBe('still waiting');
    expect(await unresponsive).toMatch(/ s since it started \(.*timeout.*\)$/);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('stops when aborted', async () => {
    const { server, url } = await fakeHealthz(() => 200);
    servers.push(server);
    const stopped = probe(url);
    await sleep(300);
    done.abort();
    expect(await stopped).toBeUndefined();
  });
});
