import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventRecord } from '../../../shared/db/entities.js';
import { openDatabase } from '../../../shared/db/data-source.js';
import { SubscriptionDeliveryRecord, SubscriptionRecord } from '../../../shared/db/subscription-entities.js';
import { createLogger } from '../../../shared/logger.js';
import { OffsetKeeper } from './offset-keeper.js';
import type { RetryPolicy } from './retry-policy.js';

const log = createLogger('gateway', 'test', 'error');
const policy: RetryPolicy = { count: 2, initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2 };
const event = (sequence: number) => ({ sequence, id: `e${sequence}` }) as EventRecord;

describe('OffsetKeeper', () => {
  let dir: string;
  let ds: DataSource;
  let subscription: SubscriptionRecord;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-offset-'));
    ds = await openDatabase({ databaseUrl: '', sqlitePath: join(dir, 'baton.sqlite') }, true);
    subscription = Object.assign(new SubscriptionRecord(), {
      id: 's1',
      namespace: 'default',
      name: 'app',
      transport: 'websockets',
      filter: {},
      options: {},
      secret: null,
      offset: 0,
      created: '',
      updated: '',
    });
    await ds.getRepository(SubscriptionRecord).save(subscription);
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => ds.getRepository(SubscriptionDeliveryRecord).findBy({ subscriptionId: 's1' });
  const storedOffset = async () => (await ds.getRepository(SubscriptionRecord).findOneByOrFail({ id: 's1' })).offset;

  it('retries a refusal with backoff, dead-letters the last, and writes the offset the acks move', async () => {
    const keeper = new OffsetKeeper(ds, log, subscription, await OffsetKeeper.storedRefusals(ds, subscription));
    for (const sequence of [1, 2, 3]) expect(keeper.admit(sequence, Date.now())).toBe(0);
    keeper.readThrough(4);

    expect(await keeper.refuse(event(1), 'busy', policy)).toEqual({ dead: false, delayMs: 1_000 });
    expect(await keeper.refuse(event(2), 'busy', policy)).toEqual({ dead: false, delayMs: 1_000 });
    expect(await keeper.refuse(event(2), 'still busy', policy)).toEqual({ dead: true });
    expect(keeper.has(2)).toBe(false);
    expect(keeper.offset()).toBe(0); // 1 waits for its retry

    keeper.settle(3);
    keeper.settle(1);
    expect(keeper.offset()).toBe(4);
    await vi.waitFor(async () => expect((await rows()).map((r) => [r.sequence, r.state])).toEqual([[2, 'dead']]));
    await keeper.close();
    expect(await storedOffset()).toBe(4);
  });

  it('after a restart, skips the dead letters past the offset and holds the retries until their time', async () => {
    const stored = { ...subscription, offset: 0 };
    const refusal = (sequence: number, state: string, nextAttempt: number) => ({
      subscriptionId: 's1',
      sequence,
      eventId: `e${sequence}`,
      state,
      attempts: 1,
      nextAttempt: new Date(nextAttempt).toISOString(),
      lastError: 'busy',
      updated: '',
    });
    await ds
      .getRepository(SubscriptionDeliveryRecord)
      .save([refusal(2, 'dead', Date.now()), refusal(3, 'retrying', Date.now() + 5_000)]);
    const keeper = new OffsetKeeper(ds, log, stored, await OffsetKeeper.storedRefusals(ds, stored));
    const now = Date.now();
    expect(keeper.admit(1, now)).toBe(0);
    expect(keeper.admit(2, now)).toBe(false);
    expect(keeper.admit(3, now)).toBeGreaterThan(4_000);
    // The held event's earlier attempt counts: one more refusal is its last.
    expect(await keeper.refuse(event(3), 'busy', policy)).toEqual({ dead: true });
    await keeper.close();
  });
});
