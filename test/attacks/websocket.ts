import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../apps/shared/db/data-source.js';
import { SubscriptionRecord } from '../../apps/shared/db/subscription-entities.js';
import { parseSubscriptionSpec } from '../../apps/gateway/events/subscriptions/subscription-spec.js';
import { bearer, READER, WRITER, type TwoMember, type TwoMemberNetwork } from '../e2e/two-member-network.js';
import { errorOf, expectStillServing } from './serving.js';
import {
  appendToLog,
  Client,
  deleteSubscription,
  ephemeral,
  expectPrompt,
  gatewayExits,
  MEMBERS,
  part,
  READS,
  restartGateway,
  subscriptions,
  watchingStatus,
} from './ws-support.js';

/**
 * Issue 25, items 1, 2 and 5, at the WebSocket door and in subscription
 * filters (docs/security/websocket.md).
 */
export function wsAttacks(network: () => TwoMemberNetwork): void {
  describe('malformed tokens and frames (item 1)', () => {
    it('answers a JWT whose parts decode to null (or name a long non-Latin algorithm) with 401 on REST and 1008 on /ws', async () => {
      const exits = gatewayExits(network());
      const tokens = ['bnVsbA.e30.x', 'e30.bnVsbA.x', 'WzFd.e30.x', `${part({ alg: '€'.repeat(200) })}.e30.x`, '..'];
      for (const member of MEMBERS)
        for (const token of tokens) {
          const rest = await fetch(`${network().gateway(member)}/api/v1/namespaces/default/subscriptions`, {
            headers: bearer(token),
          });
          expect(rest.status, token).toBe(401);
          expect((await errorOf(rest)).code).toBe('invalid-token');
          for (const client of [
            await Client.open(`${network().ws(member)}?access_token=${token}`),
            await Client.open(network().ws(member), token),
          ]) {
            const { code, reason } = await client.closed;
            expect([code, reason.split(':')[0]], token).toEqual([1008, 'invalid-token']);
          }
        }
      expect(gatewayExits(network()), network().log()).toBe(exits);
      await expectStillServing(network());
    });

    it('refuses a start frame whose name is not a string (it reached the database query, which threw) with a protocol_error', async () => {
      const name = `named-${randomUUID().slice(0, 8)}`;
      expect(
        (await subscriptions(network(), 'alice', 'POST', { name, options: { firstEvent: 'oldest' } })).status,
      ).toBe(201);
      const client = await Client.open(network().ws('alice'), READER);
      for (const bad of [7, { name }, [name], true]) client.send({ type: 'start', namespace: 'default', name: bad });
      await client.next(() => client.errors().length === 4);
      await sleep(500);
      expect(client.errors()).toEqual(Array(4).fill('name must be a string'));
      expect(client.events()).toEqual([]);
      client.ws.close();
      await deleteSubscription(network(), 'alice', name);
      await expectStillServing(network());
    });
  });

  describe('subscription filters run in linear time, RE2 syntax (item 2)', () => {
    /** Patterns that backtrack exponentially in JavaScript's engine on a process id (36 characters). */
    const CATASTROPHIC = [
      '^([0-9a-f-]+)+!$',
      '^(([0-9a-f]|-)*)*!$',
      '^([0-9a-f-]*[0-9a-f-]*)*!$',
      '^(([0-9a-f]+-?)*)*!$',
    ];

    it('catastrophic filters on REST (durable, both transports) and over /ws freeze no gateway when a process runs', async () => {
      const hooks: Server = createServer((_req, res) => res.writeHead(200).end());
      await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
      const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
      const clients: Client[] = [];
      const names: [TwoMember, string][] = [];
      try {
        for (const member of MEMBERS)
          for (const [i, reference] of CATASTROPHIC.entries()) {
            for (const transport of ['websockets', 'webhooks']) {
              const name = `redos-${transport}-${i}-${randomUUID().slice(0, 8)}`;
              const options = transport === 'webhooks' ? { url: hookUrl } : {};
              const res = await subscriptions(network(), member, 'POST', {
                name,
                transport,
                filter: { reference },
                options,
              });
              expect(res.status, await res.clone().text()).toBe(201);
              names.push([member, name]);
              if (transport === 'websockets') {
                // Attached by the app that created it (an app with read scope may not attach to another's).
                const attached = await Client.open(network().ws(member), WRITER[member]);
                attached.send({ type: 'start', namespace: 'default', name });
                clients.push(attached);
              }
            }
            const client = await Client.open(network().ws(member), READS[member]);
            client.send(ephemeral({ reference }));
            client.send(ephemeral({ reference }, 'oldest'));
            clients.push(client);
          }
        await watchingStatus(network(), () => expectStillServing(network()));
        for (const c of clients) expect(c.errors()).toEqual([]);
      } finally {
        for (const c of clients) c.ws.close();
        for (const [member, name] of names) await deleteSubscription(network(), member, name);
        hooks.close();
      }
    });

    it('refuses what RE2 cannot compile (backreferences, lookaround) with a 400 on REST and a protocol_error on /ws', async () => {
      const refused = ['(a)\\1', '(?=a)', '(?!a)b', '(?<=a)b'];
      for (const member of MEMBERS) {
        const client = await Client.open(network().ws(member), READS[member]);
        for (const reference of refused) {
          for (const [method, transport] of [
            ['POST', 'websockets'],
            ['PUT', 'websockets'],
            ['POST', 'webhooks'],
          ]) {
            const res = await subscriptions(network(), member, method, {
              name: `re2-refused-${randomUUID().slice(0, 8)}`,
              transport,
              filter: { events: '^step-', reference },
              options: transport === 'webhooks' ? { url: 'http://127.0.0.1:9/hook' } : {},
            });
            expect(res.status, `${method} ${transport} ${reference}`).toBe(400);
            const { code, message } = await errorOf(res);
            expect(code).toBe('invalid-subscription');
            expect(message).toMatch(/^filter\.reference is not a valid regular expression \(RE2 syntax/);
          }
          client.send(ephemeral({ reference }));
        }
        await client.next(() => client.errors().length === refused.length);
        expect(client.errors()).toHaveLength(refused.length);
        for (const e of client.errors()) expect(e).toMatch(/^filter\.reference is not a valid regular expression/);
        client.ws.close();
      }
      await expectStillServing(network());
    });

    it('starts a gateway whose database holds subscriptions with filters RE2 refuses (stored before): reported, not delivered', async () => {
      const tag = randomUUID().slice(0, 8);
      const hook = parseSubscriptionSpec({
        name: `pre-re2-hook-${tag}`,
        transport: 'webhooks',
        options: { url: 'http://127.0.0.1:9/hook' },
      });
      const socket = parseSubscriptionSpec({ name: `pre-re2-ws-${tag}`, options: { firstEvent: 'oldest' } });
      const ds = await openDatabase(network().database('alice'), false);
      try {
        const now = new Date().toISOString();
        for (const [spec, filter] of [
          [hook, { reference: '(?=x)' }],
          [socket, { events: '(a)\\1' }],
        ] as const)
          await ds.getRepository(SubscriptionRecord).save(
            Object.assign(new SubscriptionRecord(), {
              id: randomUUID(),
              namespace: 'default',
              name: spec.name,
              transport: spec.transport,
              filter: { ...filter },
              options: spec.options as unknown as Record<string, unknown>,
              secret: spec.transport === 'webhooks' ? 'pre-re2-secret' : null,
              offset: 0,
              created: now,
              updated: now,
            }),
          );
      } finally {
        await ds.destroy();
      }
      await restartGateway(network(), 'alice');
      await expectPrompt(network());
      expect(network().gatewayLog('alice')).toContain(`"subscription":"${hook.name}"`);
      expect(network().gatewayLog('alice')).toMatch(/webhook subscription not delivered: its stored filter is refused/);

      const client = await Client.open(network().ws('alice'), WRITER.alice);
      client.send({ type: 'start', namespace: 'default', name: socket.name });
      expect((await client.next((f) => f.type === 'protocol_error'))?.error).toMatch(
        new RegExp(`^subscription "${socket.name}" has a filter this gateway cannot use .*replace it with PUT`),
      );
      const history = await fetch(
        `${network().gateway('alice')}/api/v1/namespaces/default/subscriptions/${socket.name}/events`,
        { headers: bearer(READER) },
      );
      expect(history.status).toBe(409);
      expect((await errorOf(history)).code).toBe('unusable-filter');
      // Mended by a PUT: delivered again.
      const put = await subscriptions(network(), 'alice', 'PUT', {
        name: socket.name,
        filter: { events: '^process-' },
      });
      expect(put.status).toBe(200);
      client.send({ type: 'start', namespace: 'default', name: socket.name });
      expect((await client.next((f) => f.type === 'process-started'))?.type).toBe('process-started');
      client.ws.close();
      for (const name of [hook.name, socket.name]) await deleteSubscription(network(), 'alice', name);
      await expectStillServing(network());
    });
  });

  describe('/ws limits (item 5)', () => {
    it('closes a connection whose frame is over WS_MAX_FRAME_BYTES with 1009, before buffering it', async () => {
      for (const size of [70 * 1024, 1024 * 1024]) {
        const client = await Client.open(network().ws('alice'), READER);
        client.send('x'.repeat(size));
        const closed = await Promise.race([client.closed, sleep(10_000).then(() => undefined)]);
        // 1009 (message too big); a client still writing the rest may see its socket reset first.
        expect([1009, size > 70 * 1024 ? 1006 : 1009], `a frame of ${size} bytes`).toContain(closed?.code);
      }
      await expectStillServing(network());
    });

    it('refuses a start frame beyond WS_MAX_SUBSCRIPTIONS_PER_CONNECTION (20)', async () => {
      const client = await Client.open(network().ws('bob'), READS.bob);
      for (let i = 0; i < 21; i++) client.send(ephemeral());
      const error = await client.next((f) => f.type === 'protocol_error');
      expect(error?.error).toMatch(/^too many subscriptions on one connection: at most 20 /);
      expect(client.errors()).toHaveLength(1);
      client.ws.close();
      await expectStillServing(network());
    });

    it("gives one client's live event within seconds while another replays a long history from oldest", async () => {
      await appendToLog(network(), 'alice', 'attack-padding', 10_000);
      const replayer = await Client.open(network().ws('alice'), READER);
      replayer.send(ephemeral({}, 'oldest'));
      expect(await replayer.next(() => true)).toBeDefined();
      const live = await Client.open(network().ws('alice'), READER);
      live.send(ephemeral({ events: '^attack-live$' }));
      await sleep(500);
      const appended = Date.now();
      await appendToLog(network(), 'alice', 'attack-live', 1);
      const arrived = await live.next((f) => f.type === 'attack-live', 30_000);
      expect(arrived, 'the live event').toBeDefined();
      expect(Date.now() - appended, 'ms from the append to the live event').toBeLessThan(5_000);
      // And the replay itself went through the whole log, in order, without a gap.
      const last = await replayer.next((f) => f.type === 'attack-live', 60_000);
      expect(last).toBeDefined();
      const sequences = replayer.events().map((f) => f.sequence!);
      expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1));
      for (const c of [replayer, live]) c.ws.close();
      await expectStillServing(network());
    });

    it('exempts acks from the frame rate, and no other frame', async () => {
      const client = await Client.open(network().ws('alice'), READER);
      client.send(ephemeral({}, 'oldest'));
      // Thousands of deliveries owed an answer (the padding above): frames that are not answers stay rated.
      await client.next(() => client.events().length >= 2_000, 30_000);
      for (let i = 0; i < 1_000; i++) client.send('{"type":"bogus"}');
      const tooMany = () => client.errors().filter((e) => e.startsWith('too many frames')).length;
      await client.next(() => tooMany() > 0);
      expect(tooMany()).toBeGreaterThan(0);
      const after = tooMany();
      await sleep(2_000); // the bucket fills again
      for (let i = 0; i < 1_000; i++) client.send('{"type":"ack"}');
      await sleep(1_000);
      expect(tooMany(), 'acks of deliveries are never too many').toBe(after);
      client.ws.close();
      await expectStillServing(network());
    });
  });
}
