import { describe, expect, it } from 'vitest';
import type { LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import { applyDelivery, initialState } from '../../../workflows/process-state.js';
import { tradeSettlement } from '../../../workflows/process-types/trade-settlement.js';
import { projectProcess, type PinDelivery } from './process-projection.js';

const participants = { buyer: 'buyer', seller: 'seller', bank: 'bank' };
const start: ProcessStartedMessage = {
  kind: 'process-started',
  id: 'p1/process-started',
  processId: 'p1',
  processType: 'trade-settlement',
  author: 'buyer',
  input: { item: 'steel', quantity: 1, amount: 10 },
  participants,
};
const outcome = (step: string, author: string): LedgerMessage => ({
  kind: 'step-outcome',
  id: `p1/step-outcome/${step}`,
  processId: 'p1',
  author,
  step,
  outcome: 'done',
});
const messages: [LedgerMessage, string][] = [
  [start, 'buyer'],
  [outcome('place-order', 'buyer'), 'buyer'],
  [outcome('reserve-stock', 'seller'), 'bank'], // pinned by someone else than its author: ignored
  [outcome('reserve-stock', 'seller'), 'seller'],
];

function pins(freshFrom: number): PinDelivery[] {
  return messages.map(([message, author], i) => ({
    pin: { pin: 100 + i, contextIndex: i + 1, batch: 7, hash: `0x${i}`, blockNumber: 3, transactionHash: '0xtx' },
    delivery: { index: i + 1, pin: 100 + i, batch: 7, blockNumber: 3, author, message },
    fresh: i + 1 >= freshFrom,
  }));
}

describe('projectProcess', () => {
  it('ends in the state the workflow reaches with the same deliveries', () => {
    const { row } = projectProcess('seller', start, pins(1));
    const state = initialState({ ...start, member: 'seller', initiator: 'buyer' }, tradeSettlement);
    const events = pins(1).flatMap((p) => applyDelivery(state, p.delivery, tradeSettlement));
    expect(row).toMatchObject({ id: 'p1', status: 'running', appliedIndex: 4, steps: state.steps, startPin: 100 });
    expect(events.map((e) => e.key)).toEqual(['p1/seller/1', 'p1/seller/2', 'p1/seller/3']);
  });

  it('writes each pin as message-confirmed or message-rejected, then the process events it caused, same keys as the workflow', () => {
    const { events, pins: projected } = projectProcess('seller', start, pins(1));
    expect(projected).toEqual([100, 101, 102, 103]);
    expect(events.map((e) => [e.key, e.type, e.data && 'step' in e.data ? e.data.step : undefined])).toEqual([
      ['message-confirmed/100', 'message-confirmed', undefined],
      ['p1/seller/1', 'process-started', undefined],
      ['message-confirmed/101', 'message-confirmed', 'place-order'],
      ['p1/seller/2', 'step-done', 'place-order'],
      ['message-rejected/102', 'message-rejected', 'reserve-stock'],
      ['message-confirmed/103', 'message-confirmed', 'reserve-stock'],
      ['p1/seller/3', 'step-done', 'reserve-stock'],
    ]);
    const rejected = events.find((e) => e.type === 'message-rejected')!;
    expect(rejected).toMatchObject({ processId: 'p1', topic: 'trade-settlement', correlator: 'p1' });
    expect(rejected.data).toMatchObject({ author: 'bank', reason: 'message by seller pinned by bank', pin: 102 });
  });

  it('replays pins projected before without writing their events again', () => {
    const all = projectProcess('seller', start, pins(1));
    const later = projectProcess('seller', start, pins(3));
    expect(later.pins).toEqual([102, 103]);
    expect(later.events).toEqual(all.events.slice(4));
    expect(later.row).toEqual(all.row);
  });

  it('stops at a gap', () => {
    const gap = pins(1).filter((p) => p.pin.contextIndex !== 2);
    expect(projectProcess('seller', start, gap)).toMatchObject({ pins: [100], row: { appliedIndex: 1 } });
  });

  it('projects nothing for an unknown process type', () => {
    expect(projectProcess('seller', { ...start, processType: 'nope' }, pins(1))).toEqual({
      pins: [100, 101, 102, 103],
      events: [],
    });
  });
});
