import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  App,
  EVENTS,
  getSub,
  noteIds,
  Notes,
  OwnSubscriptions,
  SUBS,
  waitFor,
  type Delivered,
} from './subscription-support.js';

// Delivery over WebSocket: durable subscriptions (acks, reconnects, balancing,
// batches, replay, nacks) and ephemeral connections.

const notes = new Notes();

describe('durable and ephemeral subscriptions over WebSocket', () => {
  const subs = new OwnSubscriptions();

  beforeAll(() => notes.start());

  afterAll(() => subs.deleteAll());

  it('delivers each event until acked, exactly once per ack across reconnects, and resumes after the last ack', async () => {
    const s = await subs.create({
      name: `durable-${randomUUID().slice(0, 8)}`,
      filter: notes.filter,
      options: { readAhead: 5 },
    });
    const first = await App.durable(s.name);
    const sent = await notes.send(12);
    const acked = new Set<string>();
    // Ack the first four deliveries only, then drop the connection with the others in flight.
    await first.until((r) => r.length >= 5);
    for (const e of first.received.slice(0, 4)) {
      first.ack(e);
      acked.add(e.data!.id!);
    }
    await sleep(300);
    await first.close();

    const second = await App.durable(s.name);
    second.ws.on('message', (data) => second.ack(JSON.parse((data as Buffer).toString()) as Delivered));
    await second.until((r) => new Set([...acked, ...noteIds(r)]).size >= 12);
    expect(second.received.filter((e) => acked.has(e.data!.id!))).toEqual([]);
    expect(new Set(noteIds(second.received)).size).toBe(second.received.length);
    expect(new Set([...acked, ...noteIds(second.received)])).toEqual(new Set(sent));
    await waitFor(
      async () => ((await getSub(s.id)).offset >= second.received.at(-1)!.sequence ? true : undefined),
      'offset',
    );
    await second.close();

    // Away: what happens now waits for the app.
    const whileAway = await notes.send(3);
    const third = await App.durable(s.name);
    await third.until((r) => r.length >= 3);
    await sleep(500);
    expect(noteIds(third.received)).toEqual(whileAway);
    await third.close();
  });

  it('balances one subscription across connections, each event to one of them, a stalled one holding only its window', async () => {
    const s = await subs.create({
      name: `balanced-${randomUUID().slice(0, 8)}`,
      filter: notes.filter,
      options: { readAhead: 2 },
    });
    const stalled = await App.durable(s.name);
    const workers = await Promise.all([1, 2, 3].map(() => App.durable(s.name)));
    for (const w of workers)
      w.ws.on('message', (data) => {
        const e = JSON.parse((data as Buffer).toString()) as Delivered;
        setTimeout(() => w.ack(e), 20);
      });
    await sleep(300);
    const sent = await notes.send(30);
    const worked = () => workers.reduce((n, w) => n + w.received.length, 0);
    await stalled.until(() => worked() + stalled.received.length >= 30);
    await sleep(300);
    // Never acked: it holds at least the first event (all were idle) and at most its window.
    expect(stalled.received.length).toBeGreaterThanOrEqual(1);
    expect(stalled.received.length).toBeLessThanOrEqual(2);
    expect(worked() + stalled.received.length).toBe(30);
    await stalled.close(); // what it held goes to the others
    await workers[0].until(() => workers.reduce((n, w) => n + w.received.length, 0) >= 30);
    await sleep(500);
    const delivered = workers.flatMap((w) => noteIds(w.received));
    expect(delivered.length).toBe(30);
    expect(new Set(delivered)).toEqual(new Set(sent));
    for (const w of workers) expect(w.received.length).toBeGreaterThan(0);
    await Promise.all(workers.map((w) => w.close()));
  });

  it('delivers batches as event_batch frames, acked by the batch id, and leaves data out without withData', async () => {
    const s = await subs.create({
      name: `batch-${randomUUID().slice(0, 8)}`,
      filter: notes.filter,
      options: { batch: true, batchSize: 10, readAhead: 1, withData: false },
    });
    const sent = await notes.send(5);
    const expected = (
      await api.request<Delivered[]>('buyer', `${EVENTS}?type=message-sent&reference=${notes.processId}&limit=1000`)
    ).body.filter((e) => sent.includes(e.data!.id!));
    const app = await App.durable(s.name);
    const batches = app.received as unknown as { type: string; id: string; events: Delivered[] }[];
    app.ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as { id: string; subscription: object };
      app.send({ type: 'ack', id: frame.id, subscription: frame.subscription });
    });
    await app.until(() => batches.reduce((n, b) => n + b.events.length, 0) >= 5);
    await sleep(300);
    expect(batches.every((b) => b.type === 'event_batch')).toBe(true);
    const events = batches.flatMap((b) => b.events);
    expect(events.map((e) => e.sequence)).toEqual(expected.map((e) => e.sequence));
    expect(events.every((e) => e.data === undefined && e.subscription.id === s.id)).toBe(true);
    await waitFor(async () => ((await getSub(s.id)).offset >= events.at(-1)!.sequence ? true : undefined), 'acks');
    await app.close();
  });

  it('gives every ephemeral connection its own copy, started by a frame or by query parameters', async () => {
    const byFrame = await App.connect();
    byFrame.send({ type: 'start', namespace: 'default', ephemeral: true, autoack: true, filter: notes.filter });
    const byQuery = await App.connect(
      `?namespace=default&ephemeral&autoack&filter.events=${encodeURIComponent(notes.filter.events)}&filter.reference=${notes.processId}`,
    );
    await sleep(300);
    const sent = await notes.send(4);
    for (const app of [byFrame, byQuery]) {
      await app.until((r) => r.length >= 4);
      expect(noteIds(app.received)).toEqual(sent);
      expect(app.received.every((e) => e.type === 'message-sent')).toBe(true);
    }
    expect(byFrame.received[0].subscription.id).not.toBe(byQuery.received[0].subscription.id);
    await Promise.all([byFrame.close(), byQuery.close()]);
  });

  it('replays the whole history from oldest, then goes on live with no gap or duplicate at the seam', async () => {
    await notes.send(20);
    const filter = { reference: `^${notes.processId}$` };
    const s = await subs.create({
      name: `replay-${randomUUID().slice(0, 8)}`,
      filter,
      options: { firstEvent: 'oldest', readAhead: 20 },
    });
    const app = await App.durable(s.name);
    app.ws.on('message', (data) => app.ack(JSON.parse((data as Buffer).toString()) as Delivered));
    await notes.send(20); // written while the replay runs
    const expected = (await api.request<Delivered[]>('buyer', `${EVENTS}?reference=${notes.processId}&limit=1000`))
      .body;
    await app.until((r) => r.length >= expected.length);
    await sleep(300);
    expect(app.received.map((e) => e.sequence)).toEqual(expected.map((e) => e.sequence));
    expect(app.received.map((e) => e.type)).toContain('process-started');
    await app.close();
  });

  it('takes an ack for every event of a fast replay: answers are not counted against WS_MAX_FRAMES_PER_SECOND', async () => {
    await notes.send(450);
    const s = await subs.create({
      name: `fast-${randomUUID().slice(0, 8)}`,
      filter: { reference: `^${notes.processId}$` },
      options: { firstEvent: 'oldest', readAhead: 500 },
    });
    const app = await App.durable(s.name);
    app.ws.on('message', (data) => app.ack(JSON.parse((data as Buffer).toString()) as Delivered));
    const expected = (await api.request<Delivered[]>('buyer', `${EVENTS}?reference=${notes.processId}&limit=1000`))
      .body;
    expect(expected.length).toBeGreaterThan(400); // more than twice the limit's burst, acked at once
    await app.until((r) => r.length >= expected.length);
    await waitFor(async () => ((await getSub(s.id)).offset >= expected.at(-1)!.sequence ? true : undefined), 'offset');
    expect(app.errors).toEqual([]);
    await app.close();
  });

  it('offers a nacked event again with backoff, then dead-letters it and moves on', async () => {
    const s = await subs.create({
      name: `nack-${randomUUID().slice(0, 8)}`,
      filter: notes.filter,
      options: { readAhead: 1, retry: { count: 3, initialDelay: '50ms', maxDelay: '200ms' } },
    });
    const app = await App.durable(s.name);
    await sleep(300);
    const [poison, next] = [randomUUID(), randomUUID()];
    const nacked: Delivered[] = [];
    app.ws.on('message', (data) => {
      const e = JSON.parse((data as Buffer).toString()) as Delivered;
      if (e.data?.id === poison) {
        nacked.push(e);
        app.send({ type: 'nack', id: e.id, subscription: e.subscription, reason: `cannot take it (${nacked.length})` });
      } else app.ack(e);
    });
    await notes.send(2, [poison, next]);
    await waitFor(
      () => (nacked.length >= 3 && app.received.some((e) => e.data?.id === next) ? true : undefined),
      'three attempts and the next event',
    );
    expect(nacked.map((e) => e.data?.id)).toEqual([poison, poison, poison]);
    const dead = await waitFor(async () => {
      const { body } = await api.request<{ sequence: number; attempts: number; lastError: string; event: Delivered }[]>(
        'buyer',
        `${SUBS}/${s.id}/deadletters`,
      );
      return body.length ? body : undefined;
    }, 'a dead letter');
    expect(dead).toMatchObject([{ attempts: 3, lastError: 'cannot take it (3)', event: { data: { id: poison } } }]);
    const nextSequence = app.received.find((e) => e.data?.id === next)!.sequence;
    await waitFor(async () => ((await getSub(s.id)).offset >= nextSequence ? true : undefined), 'the offset past it');
    expect((await getSub(s.id)).status?.deadLetters).toBe(1);
    await app.close();
  });
});
