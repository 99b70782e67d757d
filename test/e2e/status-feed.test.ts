import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Api } from './api.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);

interface EventFrame {
  id: string;
  sequence: number;
  type: string;
  reference?: string;
  data?: { status?: string; step?: string };
  subscription?: { id: string };
}

function collect(ws: WebSocket, until: (events: EventFrame[]) => boolean, timeoutMs = 90_000): Promise<EventFrame[]> {
  const events: EventFrame[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out; got ${JSON.stringify(events.map((e) => e.type))}`)),
      timeoutMs,
    );
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      const frame = JSON.parse(text) as EventFrame;
      if (frame.type === 'protocol_error') return reject(new Error(text));
      events.push(frame);
      if (until(events)) {
        clearTimeout(timer);
        resolve(events);
      }
    });
  });
}

async function connect(member: 'buyer' | 'seller' | 'bank'): Promise<WebSocket> {
  const ws = new WebSocket(`${api.url(member).replace('http', 'ws')}/ws`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

describe('WebSocket status feed', () => {
  it("follows a process's status changes live, in order, at a member that did not start it", async () => {
    const ws = await connect('seller');
    ws.send(
      JSON.stringify({
        type: 'start',
        namespace: 'default',
        ephemeral: true,
        autoack: true,
        filter: { events: '^(process|step)-' },
      }),
    );
    await new Promise((r) => setTimeout(r, 300)); // the subscription starts at "newest"
    const started = await api.startTrade(3_000_000);
    const events = await collect(ws, (es) =>
      es.some((e) => e.reference === started.id && e.type === 'process-compensated'),
    );
    ws.close();
    const mine = events.filter((e) => e.reference === started.id);
    expect(mine.map((e) => e.type)).toEqual([
      'process-started',
      'step-done',
      'step-done',
      'step-rejected',
      'process-compensating',
      'step-compensated',
      'step-compensated',
      'process-compensated',
    ]);
    const statuses = mine.map((e) => e.data?.status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses).toEqual(['running', 'compensating', 'compensated']);
    const sequences = mine.map((e) => e.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    expect(new Set(mine.map((e) => e.subscription?.id)).size).toBe(1);
  });

  it('replays from the oldest event when asked, then keeps following', async () => {
    const done = await api.startTrade(700);
    await api.settled(done.id, ['completed']);
    const ws = await connect('bank');
    ws.send(
      JSON.stringify({
        type: 'start',
        namespace: 'default',
        ephemeral: true,
        // Process and step events only: message and data events of the process come in between.
        filter: { reference: done.id, events: '^(process|step)-' },
        options: { firstEvent: 'oldest' },
      }),
    );
    const events = await collect(ws, (es) => es.some((e) => e.type === 'process-completed'));
    ws.close();
    expect(events[0].type).toBe('process-started');
    expect(events.every((e) => e.reference === done.id)).toBe(true);
    expect(events.filter((e) => e.type === 'step-done')).toHaveLength(5);
  });

  it('answers a bad frame with a protocol_error and stays open', async () => {
    const ws = await connect('buyer');
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve((d as Buffer).toString())));
    ws.send('{not json');
    expect(JSON.parse(await reply)).toEqual({ type: 'protocol_error', error: 'frame is not JSON' });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
