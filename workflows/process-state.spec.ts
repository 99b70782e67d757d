import { describe, expect, it } from 'vitest';
import type { LedgerMessage } from './messages.js';
import {
  argsFor,
  compensated,
  delivery,
  done,
  HAPPY_PATH,
  members,
  rejected,
  started,
  UNTIL_REJECTION,
} from './process-state.fixtures.js';
import {
  applyDelivery,
  initialState,
  isTerminal,
  nextAction,
  type ProcessEvent,
  type ProcessState,
} from './process-state.js';
import { tradeSettlement } from './process-types/trade-settlement.js';

function stateFor(member: string): ProcessState {
  return initialState(argsFor(member), tradeSettlement);
}

/** Applies the messages in order from index 1 and returns every event. */
function applyAll(state: ProcessState, messages: LedgerMessage[]): ProcessEvent[] {
  return messages.flatMap((m, i) => applyDelivery(state, delivery(i + 1, m), tradeSettlement));
}

function nextFor(state: ProcessState): string | null {
  const next = nextAction(state, tradeSettlement);
  return next && `${next.kind}:${next.step.name}`;
}

describe('process state: trade settlement', () => {
  it('starts running with every step pending and its member resolved from the participants', () => {
    const state = stateFor('alice');
    expect(state.status).toBe('running');
    expect(state.appliedIndex).toBe(0);
    expect(state.steps.map((s) => [s.name, s.member, s.status])).toEqual([
      ['place-order', 'alice', 'pending'],
      ['reserve-stock', 'bob', 'pending'],
      ['approve-financing', 'carol', 'pending'],
      ['ship', 'bob', 'pending'],
      ['confirm-receipt', 'alice', 'pending'],
    ]);
  });

  it('asks for no action until the process-started message is on the ledger', () => {
    const state = stateFor('alice');
    expect(nextAction(state, tradeSettlement)).toBeNull();
    applyDelivery(state, delivery(1, started()), tradeSettlement);
    expect(state.startPin).toBe(101);
    expect(nextFor(state)).toBe('action:place-order');
  });

  it('walks the happy path to completed, each member acting only on its own steps', () => {
    const states = Object.fromEntries(members.map((m) => [m, stateFor(m)]));
    const expectedNext = [
      // after each delivery: what alice, bob and carol must do
      ['action:place-order', null, null],
      [null, 'action:reserve-stock', null],
      [null, null, 'action:approve-financing'],
      [null, 'action:ship', null],
      ['action:confirm-receipt', null, null],
      [null, null, null],
    ];
    HAPPY_PATH.forEach((message, i) => {
      for (const m of members) applyDelivery(states[m], delivery(i + 1, message), tradeSettlement);
      expect(members.map((m) => nextFor(states[m]))).toEqual(expectedNext[i]);
    });
    for (const m of members) {
      const state = states[m];
      expect(state.status).toBe('completed');
      expect(isTerminal(state.status)).toBe(true);
      expect(state.appliedIndex).toBe(6);
      expect(state.ignored).toEqual([]);
      expect(state.steps.every((s) => s.status === 'done')).toBe(true);
      expect(state.steps.map((s) => s.pin)).toEqual([102, 103, 104, 105, 106]);
      expect(state.steps[1].output).toEqual({ by: 'bob' });
    }
  });

  it('emits the happy path events in order, the last step also completing the process', () => {
    const events = applyAll(stateFor('bob'), HAPPY_PATH);
    expect(events.map((e) => [e.type, e.step, e.status])).toEqual([
      ['process-started', undefined, 'running'],
      ['step-done', 'place-order', 'running'],
      ['step-done', 'reserve-stock', 'running'],
      ['step-done', 'approve-financing', 'running'],
      ['step-done', 'ship', 'running'],
      ['step-done', 'confirm-receipt', 'running'],
      ['process-completed', undefined, 'completed'],
    ]);
    expect(events[2]).toMatchObject({ pin: 103, author: 'bob', processType: 'trade-settlement' });
  });

  it('compensates done steps in reverse order after the bank rejects financing', () => {
    const alice = stateFor('alice');
    const bob = stateFor('bob');
    const rejection = UNTIL_REJECTION.flatMap((m, i) => {
      applyDelivery(bob, delivery(i + 1, m), tradeSettlement);
      return applyDelivery(alice, delivery(i + 1, m), tradeSettlement);
    });
    expect(rejection.slice(-2)).toMatchObject([
      { type: 'step-rejected', step: 'approve-financing', author: 'carol', reason: 'amount above credit limit' },
      { type: 'process-compensating', status: 'compensating', reason: 'amount above credit limit' },
    ]);
    expect(alice.status).toBe('compensating');
    expect(isTerminal(alice.status)).toBe(false);
    expect(alice.steps[2]).toMatchObject({ status: 'rejected', reason: 'amount above credit limit', pin: 104 });
    // The last done step is undone first: the seller's reservation, then the order.
    expect(nextFor(bob)).toBe('compensate:reserve-stock');
    expect(nextFor(alice)).toBeNull();

    const afterStock = applyDelivery(alice, delivery(5, compensated('reserve-stock', 'bob')), tradeSettlement);
    applyDelivery(bob, delivery(5, compensated('reserve-stock', 'bob')), tradeSettlement);
    expect(afterStock.map((e) => e.type)).toEqual(['step-compensated']);
    expect(alice.status).toBe('compensating');
    expect(alice.steps[1]).toMatchObject({ status: 'compensated', compensationPin: 105 });
    expect(nextFor(alice)).toBe('compensate:place-order');
    expect(nextFor(bob)).toBeNull();

    const afterOrder = applyDelivery(alice, delivery(6, compensated('place-order', 'alice')), tradeSettlement);
    expect(afterOrder).toMatchObject([
      { type: 'step-compensated', step: 'place-order', author: 'alice', pin: 106, status: 'compensating' },
      { type: 'process-compensated', reason: 'amount above credit limit', status: 'compensated' },
    ]);
    expect(alice.status).toBe('compensated');
    expect(alice.reason).toBe('amount above credit limit');
    expect(alice.rejectedBy).toBe('carol');
    expect(alice.steps.map((s) => s.status)).toEqual(['compensated', 'compensated', 'rejected', 'pending', 'pending']);
    expect(nextFor(alice)).toBeNull();
    expect(alice.ignored).toEqual([]);
  });

  it('goes straight to compensated when the first step is rejected', () => {
    const state = stateFor('bob');
    const events = applyAll(state, [started(), rejected('place-order', 'alice', 'out of budget')]);
    expect(events.map((e) => e.type)).toEqual([
      'process-started',
      'step-rejected',
      'process-compensating',
      'process-compensated',
    ]);
    expect(state.status).toBe('compensated');
    expect(state.reason).toBe('out of budget');
    expect(state.rejectedBy).toBe('alice');
    expect(nextFor(state)).toBeNull();
  });

  it('throws on a delivery out of order and leaves the state as it was', () => {
    const state = stateFor('alice');
    applyDelivery(state, delivery(1, started()), tradeSettlement);
    const before = structuredClone(state);
    expect(() => applyDelivery(state, delivery(3, done('place-order', 'alice')), tradeSettlement)).toThrow(
      'delivery 3 out of order',
    );
    expect(() => applyDelivery(state, delivery(1, started()), tradeSettlement)).toThrow('delivery 1 out of order');
    expect(state).toEqual(before);
  });

  describe('ignores invalid deliveries identically at every member', () => {
    const cases: {
      name: string;
      before: LedgerMessage[];
      message: LedgerMessage;
      pinnedBy?: string;
      reason: string;
    }[] = [
      {
        name: 'a step outcome by a member who does not own the step',
        before: [started(), done('place-order', 'alice')],
        message: done('reserve-stock', 'carol'),
        reason: 'step reserve-stock belongs to bob, not carol',
      },
      {
        name: 'a step that is not the next one',
        before: [started(), done('place-order', 'alice')],
        message: done('ship', 'bob'),
        reason: 'step ship cannot have an outcome now',
      },
      {
        name: 'a compensation out of reverse order',
        before: UNTIL_REJECTION,
        message: compensated('place-order', 'alice'),
        reason: 'step place-order is not the next to compensate',
      },
      {
        name: 'a message for another process',
        before: [started()],
        message: done('place-order', 'alice', 'p-2'),
        reason: 'message for another process (p-2)',
      },
      {
        name: 'a message whose author is not the account that pinned it',
        before: [started()],
        message: done('place-order', 'alice'),
        pinnedBy: 'carol',
        reason: 'message by alice pinned by carol',
      },
      {
        name: 'a step outcome before the process started',
        before: [],
        message: done('place-order', 'alice'),
        reason: 'process not started on the ledger yet',
      },
      {
        name: 'a second process-started message',
        before: [started()],
        message: started(),
        reason: 'process already started',
      },
    ];

    for (const c of cases) {
      it(`ignores ${c.name}`, () => {
        const index = c.before.length + 1;
        const results = members.map((m) => {
          const state = stateFor(m);
          applyAll(state, c.before);
          const before = structuredClone(state);
          const events = applyDelivery(state, delivery(index, c.message, c.pinnedBy), tradeSettlement);
          expect(events).toEqual([]);
          expect(state.appliedIndex).toBe(index);
          // Nothing but the applied index and the ignored list changed.
          expect({ ...state, appliedIndex: before.appliedIndex, ignored: before.ignored }).toEqual(before);
          return state.ignored;
        });
        const expected = [{ index, pin: 100 + index, reason: c.reason, messageId: c.message.id }];
        for (const ignored of results) expect(ignored).toEqual(expected);
      });
    }

    it('keeps applying valid deliveries after an ignored one', () => {
      const state = stateFor('alice');
      applyAll(state, [started(), done('reserve-stock', 'bob')]);
      expect(state.ignored).toHaveLength(1);
      expect(
        applyDelivery(state, delivery(3, done('place-order', 'alice')), tradeSettlement).map((e) => e.type),
      ).toEqual(['step-done']);
      expect(nextFor(state)).toBeNull();
    });
  });

  it('gives events keys that are stable per process and member', () => {
    const first = applyAll(stateFor('carol'), UNTIL_REJECTION);
    const again = applyAll(stateFor('carol'), UNTIL_REJECTION);
    expect(again).toEqual(first);
    expect(first.map((e) => e.key)).toEqual([
      'p-1/carol/1',
      'p-1/carol/2',
      'p-1/carol/3',
      'p-1/carol/4',
      'p-1/carol/5',
    ]);
    const atAlice = applyAll(stateFor('alice'), UNTIL_REJECTION);
    expect(atAlice.map((e) => e.key)[4]).toBe('p-1/alice/5');
    // Ignored deliveries produce no event, so they do not shift later keys.
    const state = stateFor('carol');
    applyAll(state, [started(), done('ship', 'bob')]);
    expect(applyDelivery(state, delivery(3, done('place-order', 'alice')), tradeSettlement)[0].key).toBe('p-1/carol/2');
  });
});
