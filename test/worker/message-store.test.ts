import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { LedgerMessage, ProcessStartedMessage } from '../../workflows/messages.js';
import { EventRecord, PrivateMessageRecord } from '../../apps/shared/db/entities.js';
import {
  encodeMessage,
  storeReceivedMessage,
  storeReceivedMessages,
} from '../../apps/shared/exchange/message-store.js';
import { tempDir } from '../contracts/chain-helpers.js';
import { openFreshTestDatabase } from '../support/member-database.js';

function started(processId: string, processType: string): ProcessStartedMessage {
  return {
    kind: 'process-started',
    id: `${processId}/process-started`,
    processId,
    processType,
    author: 'seller',
    input: { amount: 1 },
    participants: { buyer: 'buyer', seller: 'seller' },
  };
}

function outcome(processId: string, step: string): LedgerMessage {
  return {
    kind: 'step-outcome',
    id: `${processId}/step-outcome/${step}`,
    processId,
    author: 'seller',
    step,
    outcome: 'done',
  };
}

// What a member rebuilding from block 0 stores when a peer answers with many processes at once.
describe('storing messages received from another member', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = await openFreshTestDatabase('baton_infra_message_store', await tempDir('message-store'));
    // A process whose start came earlier, on its own (a push).
    await storeReceivedMessage(ds, started('p-earlier', 'loan-syndication'), 'seller');
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('stores a batch once, with one data-received event each naming its process type', async () => {
    const batch = [
      outcome('p-new', 'ship'), // before its own process-started message in the list
      started('p-new', 'trade-settlement'),
      outcome('p-earlier', 'commit'),
      outcome('p-new', 'ship'), // twice in one answer
      outcome('p-unknown', 'pay'), // no process-started anywhere yet
    ];
    const encoded = batch.map((message) => ({ message, stored: encodeMessage(message) }));
    await storeReceivedMessages(ds, encoded, 'seller');

    const rows = await ds.getRepository(PrivateMessageRecord).find();
    expect(rows).toHaveLength(5); // the earlier start and four distinct messages
    expect(rows.every((r) => r.receivedFrom === 'seller')).toBe(true);

    const events = await ds.getRepository(EventRecord).find({ order: { sequence: 'ASC' } });
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(events.every((e) => e.type === 'data-received')).toBe(true);
    const typeOf = (processId: string) => events.filter((e) => e.processId === processId).map((e) => e.processType);
    expect(typeOf('p-new')).toEqual(['trade-settlement', 'trade-settlement']);
    expect(typeOf('p-earlier')).toEqual(['loan-syndication', 'loan-syndication']);
    expect(typeOf('p-unknown')).toEqual([null]);
    expect(events.find((e) => e.processId === 'p-unknown')!.topic).toBe('messages');

    // The same answer again (a retried request) changes nothing.
    await storeReceivedMessages(ds, encoded, 'bank');
    expect(await ds.getRepository(PrivateMessageRecord).count()).toBe(5);
    expect(await ds.getRepository(EventRecord).count()).toBe(5);
    await storeReceivedMessages(ds, [], 'bank');
    expect(await ds.getRepository(EventRecord).count()).toBe(5);
  });
});
