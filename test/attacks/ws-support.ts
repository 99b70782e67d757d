import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { inTransaction, openDatabase } from '../../apps/shared/db/data-source.js';
import { appendEvents } from '../../apps/shared/db/event-log.js';
import { bearer, READER, WRITER, type TwoMember, type TwoMemberNetwork } from '../e2e/two-member-network.js';

// What the WebSocket attacks (websocket.ts) and the frame fuzz (fuzz-frames.ts) share: a /ws client that keeps what it gets, and checks on the gateways.

export const MEMBERS: TwoMember[] = ['alice', 'bob'];
/** A credential that may read at each member (alice has a read-only key; bob's writer implies read). */
export const READS: Record<TwoMember, string> = { alice: READER, bob: WRITER.bob };
export const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export interface Frame {
  type?: string;
  error?: string;
  sequence?: number;
  key?: string;
}

/** A /ws client that keeps every frame it gets, and how it was closed. */
export class Client {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('error', () => undefined); // the close says what happened
  }

  static async open(url: string, credential?: string): Promise<Client> {
    const client = new Client(new WebSocket(url, credential ? { headers: bearer(credential) } : {}));
    await Promise.race([new Promise((r) => client.ws.once('open', r)), client.closed]);
    return client;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  errors(): string[] {
    return this.frames.filter((f) => f.type === 'protocol_error').map((f) => f.error ?? '');
  }

  events(): Frame[] {
    return this.frames.filter((f) => f.sequence !== undefined);
  }

  /** Waits for a frame that `matches`, at most `ms`; undefined when none came. */
  async next(matches: (f: Frame) => boolean, ms = 10_000): Promise<Frame | undefined> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const found = this.frames.find(matches);
      if (found) return found;
      await sleep(50);
    }
    return undefined;
  }
}

export const ephemeral = (filter: object = {}, firstEvent = 'newest') => ({
  type: 'start',
  namespace: 'default',
  ephemeral: true,
  filter,
  options: { firstEvent },
});

/** How often the launcher has had to start a gateway again: a gateway that died shows here. */
export const gatewayExits = (network: TwoMemberNetwork) => network.log().match(/gateway exited/g)?.length ?? 0;

export async function subscriptions(network: TwoMemberNetwork, member: TwoMember, method: string, body: object) {
  return fetch(`${network.gateway(member)}/api/v1/namespaces/default/subscriptions`, {
    method,
    headers: { 'content-type': 'application/json', ...bearer(WRITER[member]) },
    body: JSON.stringify(body),
  });
}

export async function deleteSubscription(network: TwoMemberNetwork, member: TwoMember, name: string): Promise<void> {
  const res = await fetch(`${network.gateway(member)}/api/v1/namespaces/default/subscriptions/${name}`, {
    method: 'DELETE',
    headers: bearer(WRITER[member]),
  });
  expect(res.status, `DELETE ${name}`).toBe(204);
}

/** Every gateway answers /api/v1/status within two seconds. */
export async function expectPrompt(network: TwoMemberNetwork): Promise<void> {
  for (const member of MEMBERS) {
    const res = await fetch(`${network.gateway(member)}/api/v1/status`, { signal: AbortSignal.timeout(2_000) });
    expect(res.status, `${member} /api/v1/status`).toBe(200);
  }
}

/** Runs `work` while asking every gateway's status each second: one that does not answer within 3 s fails it at once. */
export async function watchingStatus(network: TwoMemberNetwork, work: () => Promise<void>): Promise<void> {
  let done = false;
  const watch = async (): Promise<void> => {
    while (!done) {
      for (const member of MEMBERS) {
        const res = await fetch(`${network.gateway(member)}/api/v1/status`, {
          signal: AbortSignal.timeout(3_000),
        }).catch((err: Error) => err);
        if (!(res instanceof Response) || res.status !== 200)
          throw new Error(
            `${member}'s gateway did not answer /api/v1/status within 3 s (${res instanceof Response ? res.status : res.message})`,
          );
      }
      await sleep(1_000);
    }
  };
  const working = work().finally(() => (done = true));
  working.catch(() => undefined); // when the watch fails first, the work's own failure is moot
  await Promise.race([working, watch()]);
}

/** Appends events straight to a member's log, as its worker would. */
export async function appendToLog(network: TwoMemberNetwork, member: TwoMember, type: string, count: number) {
  const ds = await openDatabase(network.database(member), false);
  try {
    const batch = randomUUID();
    for (let from = 0; from < count; from += 1000)
      await inTransaction(ds, (em) =>
        appendEvents<string>(
          em,
          Array.from({ length: Math.min(1000, count - from) }, (_, i) => ({
            key: `${type}-${batch}-${from + i}`,
            type,
            topic: 'attacks',
          })),
        ),
      );
  } finally {
    await ds.destroy();
  }
}

/** Stops a gateway (SIGTERM, by the pid of its last 'listening' line) and waits for the launcher to start it again. */
export async function restartGateway(network: TwoMemberNetwork, member: TwoMember): Promise<void> {
  const pids = () => [...network.gatewayLog(member).matchAll(/"pid":(\d+)[^\n]*"msg":"gateway listening"/g)];
  await untilServing(network, member);
  const before = pids().length;
  const last = pids().at(-1);
  expect(last, 'the gateway logged its pid when it started listening').toBeDefined();
  process.kill(Number(last![1]), 'SIGTERM');
  const deadline = Date.now() + 90_000;
  while (pids().length === before && Date.now() < deadline) await sleep(250);
  expect(pids().length, `${member}'s gateway listening again (see its log)`).toBeGreaterThan(before);
}

/** Waits (a minute at most) until a gateway the launcher may be starting answers. */
export async function untilServing(network: TwoMemberNetwork, member: TwoMember): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${network.gateway(member)}/api/v1/status`, { signal: AbortSignal.timeout(2_000) }).catch(
      () => undefined,
    );
    if (res?.ok) return;
    await sleep(250);
  }
  expect.fail(`${member}'s gateway did not answer /api/v1/status for a minute:\n${network.log()}`);
}
