import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { frameText } from '../support/ws-frame-arbitrary.js';
import { bearer, READER, WRITER, type TwoMemberNetwork } from '../e2e/two-member-network.js';
import { expectStillServing } from './serving.js';

/** Frames sent in all (BATON_FUZZ_RUNS for a longer hunt), and the time they may take. */
const RUNS = Number(process.env.BATON_FUZZ_RUNS ?? 300);
const TIME_LIMIT_MS = 60_000;
/** Close codes a gateway may use on a client that misbehaves: policy (1008) and too big (1009). */
const POLICY_CLOSES = [1008, 1009];

/** A /ws connection that keeps the raw text of every frame it gets, and how it closed. */
class RawClient {
  readonly received: string[] = [];
  close?: { code: number; reason: string };

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.received.push(data.toString()));
    ws.on('close', (code, reason) => (this.close = { code, reason: reason.toString() }));
    ws.on('error', () => undefined); // the close says what happened
  }

  static async open(url: string, credential: string): Promise<RawClient> {
    const client = new RawClient(new WebSocket(url, { headers: bearer(credential) }));
    await new Promise((resolve) => {
      client.ws.once('open', resolve);
      client.ws.once('close', resolve);
    });
    return client;
  }
}

/**
 * Handler-level fuzzing of /ws (issue 25): generated frames (any text, any
 * JSON, objects shaped like FireFly's frames) sent on live connections of a
 * read-scope and a write-scope app. Every answer is a JSON frame, a
 * protocol_error says why in a string, a connection the gateway ends is
 * ended for a policy (never an internal error, never a dropped process),
 * and afterwards both gateways still serve honest work.
 */
export function frameFuzzAttacks(network: () => TwoMemberNetwork): void {
  describe('generated WebSocket frames (fast-check) on live connections', () => {
    it('answers every frame with JSON or nothing, ends a connection only for a policy, and stays up', async () => {
      const url = network().ws('alice');
      const clients = { read: await RawClient.open(url, READER), write: await RawClient.open(url, WRITER.alice) };
      const closes: { code: number; reason: string }[] = [];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom<keyof typeof clients>('read', 'write'), frameText, async (who, text) => {
          let client = clients[who];
          if (client.close) {
            // Ended for a policy (checked below): the fuzz goes on on a new connection.
            closes.push(client.close);
            client = clients[who] = await RawClient.open(url, who === 'read' ? READER : WRITER.alice);
          }
          client.ws.send(text);
          // Most frames are answered at once or not at all; a short pause keeps the rate under WS_MAX_FRAMES_PER_SECOND.
          await sleep(15);
        }),
        // The first is a frame that once threw in the handler (a durable name that is not a string).
        { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, examples: [['read', '{"type":"start","name":7}']] },
      );
      await sleep(500);
      for (const client of Object.values(clients)) {
        if (client.close) closes.push(client.close);
        for (const text of client.received) {
          const frame = JSON.parse(text) as { type?: unknown; error?: unknown };
          if (frame.type === 'protocol_error') expect(typeof frame.error, text).toBe('string');
        }
        client.ws.close();
      }
      for (const close of closes) expect(POLICY_CLOSES, JSON.stringify(close)).toContain(close.code);
      await expectStillServing(network());
    });
  });
}
