import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import FireFlyModule from '@hyperledger/firefly-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createSub,
  EVENTS,
  getSub,
  noteIds,
  Notes,
  OwnSubscriptions,
  SUBS,
  waitFor,
  type Delivered,
  type Subscription,
} from './subscription-support.js';

// The subscription and event-log endpoints, called directly and through FireFly's SDK.

const notes = new Notes();

describe('subscriptions and the event log over the REST API', () => {
  const subs = new OwnSubscriptions();

  beforeAll(() => notes.start());

  afterAll(() => subs.deleteAll());

  it('creates, upserts, lists, gets and deletes subscriptions, refusing bad ones with clear errors', async () => {
    const name = `crud-${randomUUID().slice(0, 8)}`;
    const created = await createSub({ name, filter: { events: '^step-', processId: 'p-1' } });
    expect(created).toMatchObject({
      name,
      namespace: 'default',
      transport: 'websockets',
      filter: { events: '^step-', reference: 'p-1' },
      options: { firstEvent: 'newest', readAhead: 50, withData: true, batch: false },
    });
    const again = await api.post<{ error: { code: string } }>('buyer', SUBS, { name });
    expect([again.status, again.body.error.code]).toEqual([409, 'subscription-exists']);

    const put = await api.request<Subscription & { filter: object }>('buyer', SUBS, {
      method: 'PUT',
      body: JSON.stringify({ name, filter: { author: '^seller$' }, options: { readAhead: 3 } }),
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: created.id, filter: { author: '^seller$' }, options: { readAhead: 3 } });
    const fresh = await api.request<Subscription>('buyer', SUBS, {
      method: 'PUT',
      body: JSON.stringify({ name: `${name}-b` }),
    });
    expect(fresh.status).toBe(201);

    const list = await api.request<Subscription[]>('buyer', `${SUBS}?name=${name}`);
    expect(list.body.map((s) => s.id)).toEqual([created.id]);
    expect((await api.request<Subscription>('buyer', `${SUBS}/${created.id}`)).body).toMatchObject({
      id: created.id,
      status: { deadLetters: 0 },
    });
    expect((await api.request<Subscription>('buyer', `${SUBS}/${name}`)).body.id).toBe(created.id);

    for (const id of [created.id, fresh.body.id])
      expect((await api.fetch('buyer', `${SUBS}/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await api.request<{ error: { code: string } }>('buyer', `${SUBS}/${created.id}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'unknown-subscription']);

    const refusals: [object, string, string][] = [
      [{ name: 'bad', filter: { events: '(' } }, 'invalid-subscription', 'filter.events is not a valid regular'],
      [{ name: 'bad', options: { readAhead: 0 } }, 'invalid-subscription', 'options.readAhead'],
      [{ name: '' }, 'invalid-subscription', 'name must be'],
      [{ name: 'bad', transport: 'webhooks', options: { url: 'ftp://x/y' } }, 'invalid-webhook-url', 'http or https'],
      [{ name: 'bad', transport: 'webhooks' }, 'invalid-webhook-url', 'options.url'],
    ];
    for (const [body, code, message] of refusals) {
      const res = await api.post<{ error: { code: string; message: string } }>('buyer', SUBS, body);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
      expect(res.body.error.message).toContain(message);
    }
    const ns = await api.request<{ error: { code: string } }>('buyer', '/api/v1/namespaces/other/subscriptions');
    expect([ns.status, ns.body.error.code]).toEqual([404, 'unknown-namespace']);
  });

  it('filters and pages the event log, and shows a subscription its history', async () => {
    const ids = await notes.send(3);
    const query = `${EVENTS}?type=message-sent&author=buyer&processId=${notes.processId}`;
    const all = (await api.request<Delivered[]>('buyer', `${query}&limit=1000`)).body;
    expect(noteIds(all).slice(-3)).toEqual(ids);
    expect(all.every((e) => e.type === 'message-sent' && e.author === 'buyer' && e.reference === notes.processId)).toBe(
      true,
    );
    const page = (await api.request<Delivered[]>('buyer', `${query}&skip=${all.length - 2}&limit=1`)).body;
    expect(noteIds(page)).toEqual([ids[1]]);
    const afterFirst = (await api.request<Delivered[]>('buyer', `${query}&after=${all.at(-2)!.sequence}&limit=10`))
      .body;
    expect(noteIds(afterFirst)).toEqual([ids[2]]);
    const byReference = (await api.request<Delivered[]>('buyer', `${EVENTS}?reference=${notes.processId}&limit=1000`))
      .body;
    expect(byReference.some((e) => e.type === 'process-started')).toBe(true);

    const s = await subs.create({
      name: `history-${randomUUID().slice(0, 8)}`,
      filter: notes.filter,
      options: { firstEvent: 'oldest' },
    });
    const history = (await api.request<(Delivered & { acked: boolean })[]>('buyer', `${SUBS}/${s.id}/events`)).body;
    expect(noteIds(history).slice(-3)).toEqual(ids);
    expect(history.every((e) => e.type === 'message-sent' && !e.acked)).toBe(true);
  });

  it("works with FireFly's JavaScript SDK unchanged: subscription calls, named and ephemeral listen", async () => {
    // A CommonJS package: Node's ESM import gives module.exports (the class under `default`), Vite's the class.
    const sdk = FireFlyModule as unknown as { default?: typeof FireFlyModule.default };
    const FireFly = sdk.default ?? (FireFlyModule as unknown as typeof FireFlyModule.default);
    const ff = new FireFly({
      host: api.url('buyer'),
      namespace: 'default',
      websocket: { reconnectDelay: -1 },
    });
    const name = `sdk-${randomUUID().slice(0, 8)}`;
    const created = (await ff.replaceSubscription({
      name,
      transport: 'websockets',
      filter: notes.filter,
      options: { firstEvent: 'newest', readAhead: 5 },
    })) as unknown as Subscription;
    subs.ids.push(created.id);
    const listed = (await ff.getSubscriptions({ name })) as unknown as Subscription[];
    expect(listed.map((x) => x.id)).toEqual([created.id]);

    const named: Delivered[] = [];
    const ephemeral: Delivered[] = [];
    const namedSocket = ff.listen(name, (_socket, event) => {
      named.push(event);
    });
    const ephemeralSocket = ff.listen({ filter: { events: notes.filter.events } }, (_socket, event) => {
      ephemeral.push(event);
    });
    await sleep(500);
    const sent = await notes.send(5);
    await waitFor(
      () => (named.length >= 5 && ephemeral.filter((e) => sent.includes(e.data!.id!)).length >= 5 ? true : undefined),
      'SDK deliveries',
    );
    expect(noteIds(named)).toEqual(sent);
    expect(named.every((e) => e.subscription.name === name)).toBe(true);
    // The SDK acked each one after its handler: the offset moves past the last.
    await waitFor(async () => ((await getSub(created.id)).offset >= named.at(-1)!.sequence ? true : undefined), 'acks');
    namedSocket.close();
    ephemeralSocket.close();
    await ff.deleteSubscription(created.id);
    expect((await api.request('buyer', `${SUBS}/${created.id}`)).status).toBe(404);
  });
});
