import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeTextJsonRpcProvider } from './json-rpc-provider.js';

/** A JSON-RPC endpoint on loopback: `answer` writes the reply to each request's parsed body. */
async function endpoint(answer: (body: unknown, res: ServerResponse) => void) {
  const requests: { contentType?: string; text: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      requests.push({ contentType: req.headers['content-type'], text });
      answer(JSON.parse(text), res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const reply = (res: ServerResponse, status: number, bytes: string | Buffer) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(bytes);
};

describe('NativeTextJsonRpcProvider', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  const provider = (url: string) => {
    const p = new NativeTextJsonRpcProvider(url, 1, { staticNetwork: true, batchMaxCount: 1 });
    cleanup.push(() => p.destroy());
    return p;
  };

  it('sends JSON as UTF-8 and reads answers with characters of every width', async () => {
    const text = 'Grüße, 東京 🚢 ' + 'é'.repeat(5_000);
    const { server, requests, url } = await endpoint((body, res) => {
      const { id, params } = body as { id: number; params: unknown[] };
      reply(res, 200, JSON.stringify({ jsonrpc: '2.0', id, result: { echoed: params[0], text } }));
    });
    cleanup.push(() => server.close());
    const result = (await provider(url).send('test_echo', ['Ωmega ✓'])) as { echoed: string; text: string };
    expect(result).toEqual({ echoed: 'Ωmega ✓', text });
    expect(requests[0].contentType).toBe('application/json');
    expect(JSON.parse(requests[0].text)).toMatchObject({ method: 'test_echo', params: ['Ωmega ✓'] });
  });

  it("passes the node's error on as ethers does", async () => {
    const { server, url } = await endpoint((body, res) => {
      const { id } = body as { id: number };
      reply(res, 200, JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: 'nonce too low' } }));
    });
    cleanup.push(() => server.close());
    await expect(provider(url).send('test_fail', [])).rejects.toThrow(/nonce too low/);
  });

  it('refuses an answer that is not JSON, or not UTF-8, and an HTTP error', async () => {
    const bodies: (string | Buffer)[] = ['<html>proxy error</html>', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])];
    const { server, url } = await endpoint((_body, res) => {
      const next = bodies.shift();
      if (next === undefined) reply(res, 503, 'unavailable');
      else reply(res, 200, next);
    });
    cleanup.push(() => server.close());
    const p = provider(url);
    await expect(p.send('eth_blockNumber', [])).rejects.toThrow(/not valid JSON/);
    await expect(p.send('eth_blockNumber', [])).rejects.toThrow(/not valid JSON/);
    await expect(p.send('eth_blockNumber', [])).rejects.toThrow(/server response 503/);
  });
});
