import { expect } from 'vitest';
import WebSocket from 'ws';
import { Api } from './api.js';
import type { Member } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);

/** Longer than the gateway's offset write interval (200 ms), with room for a loaded machine. */
const UNCERTAIN_ACK_MS = 2_000;

interface Delivery {
  id: string;
  sequence: number;
  subscription: { id: string };
}

/**
 * An app on a durable subscription at one member, acking every event a little
 * later (so some are always in flight) and reconnecting whenever its
 * connection drops. Redelivery of an unacked event is allowed (at least
 * once); an event delivered again after its ack, or never, is a fault. An
 * ack sent in the last moments before the gateway died may never have been
 * written (the dispatcher stores offsets every 200 ms): such an event may
 * come again, as at-least-once allows, without being a fault. faults.test.ts
 * runs one at every member through each of its faults.
 */
export class DurableApp {
  readonly received = new Set<number>();
  readonly acked = new Set<number>();
  /** Acked just before a connection dropped: coming again is allowed, not required. */
  readonly uncertain = new Set<number>();
  readonly redeliveredAfterAck: number[] = [];
  private ws?: WebSocket;
  private stopped = false;

  private constructor(
    private readonly member: Member,
    private readonly id: string,
    readonly name: string,
    /** The first sequence the subscription covers. */
    readonly from: number,
  ) {}

  /** Subscribes from the event after the member's latest one; resolves once connected. */
  static async start(member: Member, from: number): Promise<DurableApp> {
    const name = `faults-${member}-${Date.now()}`;
    const { status, body } = await api.request<{ id: string }>(member, '/api/v1/namespaces/default/subscriptions', {
      method: 'POST',
      body: JSON.stringify({ name, transport: 'websockets', options: { firstEvent: String(from), readAhead: 20 } }),
    });
    expect(status).toBe(201);
    const app = new DurableApp(member, body.id, name, from);
    app.connect();
    return app;
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(`${api.url(this.member).replace('http', 'ws')}/ws`);
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'start', namespace: 'default', name: this.name })));
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as Delivery & { type: string };
      if (typeof frame.sequence !== 'number') return;
      if (this.acked.has(frame.sequence) && !this.uncertain.has(frame.sequence))
        this.redeliveredAfterAck.push(frame.sequence);
      this.received.add(frame.sequence);
      setTimeout(() => {
        if (ws.readyState !== WebSocket.OPEN) return; // not acked: it must come again
        ws.send(JSON.stringify({ type: 'ack', id: frame.id, subscription: frame.subscription }));
        this.acked.add(frame.sequence);
        recent.push({ sequence: frame.sequence, at: Date.now() });
      }, 20);
    });
    const recent: { sequence: number; at: number }[] = [];
    ws.on('error', () => undefined);
    ws.on('close', () => {
      // Acks the gateway may not have stored before the connection dropped are uncertain.
      const uncertainSince = Date.now() - UNCERTAIN_ACK_MS;
      for (const a of recent) if (a.at >= uncertainSince) this.uncertain.add(a.sequence);
      setTimeout(() => this.connect(), 500);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ws?.close();
    const res = await api.fetch(this.member, `/api/v1/namespaces/default/subscriptions/${this.id}`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(204);
  }
}
