import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createLogger } from '../logger.js';
import { frameText } from '../ws-frame.js';
import { NewHeads } from './new-heads.js';

describe('NewHeads', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  it('drops a connection that stops answering pings, subscribes again and tells the reader to catch up', async () => {
    // A server that subscribes but never answers a ping: a half-open connection as the client sees it.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    await once(server, 'listening');
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      socket.on('message', (data) => {
        const { id } = JSON.parse(frameText(data)) as { id: number };
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, result: '0x1' }));
      });
    });
    let heads = 0;
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const follower = new NewHeads(url, () => heads++, createLogger('test', 'bank', 'error'), 50);
    cleanup.push(
      () => follower.stop(),
      () => server.close(),
    );
    follower.start();
    await until(() => connections >= 2 && heads >= 2);
    await until(() => follower.live);
  });

  it("passes each announced block's number to the reader, and nothing after a (re)subscription", async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const { id } = JSON.parse(frameText(data)) as { id: number };
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, result: '0xabc' }));
        for (const number of ['0x2a', 'not-a-number', '0x2b'])
          socket.send(
            JSON.stringify({
              jsonrpc: '2.0',
              method: 'eth_subscription',
              params: { subscription: '0xabc', result: { number } },
            }),
          );
      });
    });
    const heads: (number | undefined)[] = [];
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const follower = new NewHeads(url, (n) => heads.push(n), createLogger('test', 'bank', 'error'));
    cleanup.push(
      () => follower.stop(),
      () => server.close(),
    );
    follower.start();
    await until(() => heads.length >= 4);
    expect(heads).toEqual([undefined, 42, undefined, 43]);
  });
});

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(done()).toBe(true);
}
