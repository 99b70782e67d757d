import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { LedgerMessage } from '../../workflows/messages.js';
import { OutboundPinRecord } from '../../apps/shared/db/entities.js';
import { storeMessage } from '../../apps/shared/exchange/message-store.js';
import { createLogger } from '../../apps/shared/logger.js';
import { MessageSender } from '../../apps/worker/outbox/message-sender.js';
import { WorkerMetrics } from '../../apps/worker/observability/metrics.js';
import { tempDir } from '../contracts/chain-helpers.js';
import { openFreshTestDatabase } from '../support/member-database.js';

function outcome(processId: string, step: string): LedgerMessage {
  return { kind: 'step-outcome', id: `${processId}/${step}`, processId, author: 'seller', step, outcome: 'done' };
}

/** Peers as the sender sees them: what each took, in order, and which of them refuse for now. */
class Peers {
  readonly took = new Map<string, string[]>();
  readonly down = new Set<string>();
  async sendAll(to: string[], body: string): Promise<void> {
    await Promise.resolve();
    const refusing = to.find((peer) => this.down.has(peer));
    if (refusing) throw new Error(`member ${refusing} unreachable`);
    for (const peer of to)
      this.took.set(peer, [...(this.took.get(peer) ?? []), (JSON.parse(body) as LedgerMessage).id]);
  }
  sendBlob(): Promise<void> {
    return Promise.reject(new Error('no blobs in this test'));
  }
}

// The publishing activity only stores and adds; the sender delivers, then queues the pin.
describe('the message sender', () => {
  let ds: DataSource;
  let sender: MessageSender;
  const peers = new Peers();
  let queuedCalls = 0;
  const metrics = new WorkerMetrics();
  const metric = async (name: string) =>
    Number(
      (await metrics.text())
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.split(' ')[1],
    );

  const stateOf = async (messageId: string) =>
    (await ds.getRepository(OutboundPinRecord).findOneByOrFail({ messageId })).state;
  const publish = async (message: LedgerMessage, to: string[]) => {
    const stored = await storeMessage(ds, message, 'seller');
    await sender.add(stored.hash, stored.context, message.id, to);
  };

  beforeAll(async () => {
    ds = await openFreshTestDatabase('baton_infra_message_sender', await tempDir('message-sender'));
    sender = new MessageSender(ds, peers, () => '/nonexistent', createLogger('test', 'seller', 'error'), metrics);
    sender.onQueued = () => queuedCalls++;
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('pins a message only once every peer took it, keeping each process in order past a peer that is down', async () => {
    await publish(outcome('p-a', 'one'), ['buyer', 'bank']);
    await publish(outcome('p-a', 'two'), ['buyer', 'bank']);
    await publish(outcome('p-b', 'one'), ['buyer']);
    await publish(outcome('p-a', 'one'), ['buyer', 'bank']); // a retried activity: changes nothing
    expect(await ds.getRepository(OutboundPinRecord).count()).toBe(3);
    expect(await stateOf('p-a/one')).toBe('sending'); // the pinner takes only queued rows

    peers.down.add('bank');
    expect(await sender.sendOnce()).toBe(1); // p-b went; p-a waits for the bank
    expect(await stateOf('p-b/one')).toBe('queued');
    expect(await stateOf('p-a/one')).toBe('sending');
    expect(await stateOf('p-a/two')).toBe('sending');
    expect(peers.took.get('bank')).toBeUndefined();
    expect(queuedCalls).toBe(1);

    expect(await metric('baton_message_delivery_failures_total')).toBe(1);
    expect(await metric('baton_message_delivery_waiting_processes')).toBe(1);

    // Backing off: the next pass right away leaves the failed process alone.
    expect(await sender.sendOnce()).toBe(0);
    expect(sender.nextRetryMs(1_000)).toBeLessThanOrEqual(500);

    peers.down.delete('bank');
    let sent = 0;
    for (let i = 0; i < 100 && sent < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      sent += await sender.sendOnce();
    }
    expect(sent).toBe(2);
    expect(await stateOf('p-a/one')).toBe('queued');
    expect(await stateOf('p-a/two')).toBe('queued');
    expect(peers.took.get('bank')).toEqual(['p-a/one', 'p-a/two']);
    expect(peers.took.get('buyer')).toEqual(['p-b/one', 'p-a/one', 'p-a/two']);
    expect(await metric('baton_messages_delivered_total')).toBe(3);
    expect(await metric('baton_message_delivery_waiting_processes')).toBe(0);
  });

  it('queues the pin at once when nobody else takes part', async () => {
    await publish(outcome('p-alone', 'one'), []);
    expect(await stateOf('p-alone/one')).toBe('queued');
    expect(await sender.sendOnce()).toBe(0);
  });
});
