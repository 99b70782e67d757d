import { describe, expect, it } from 'vitest';
import type { LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import { messageId } from '../../../workflows/messages.js';
import {
  argsFor,
  compensated,
  delivery,
  done,
  HAPPY_PATH,
  PROCESS_ID,
  started,
  UNTIL_REJECTION,
} from '../../../workflows/process-state.fixtures.js';
import type { ProcessArgs } from '../../../workflows/process-state.js';
import { loanSyndication } from '../../../workflows/process-types/loan-syndication.js';
import { tradeSettlement } from '../../../workflows/process-types/trade-settlement.js';
import { deliveriesNeeded } from './delivery-policy.js';

describe('deliveries a workflow needs now', () => {
  /** The indexes a dispatcher signals when the pins come one at a time, each carrying those held before it. */
  function signalled(member: string, messages: LedgerMessage[], type = tradeSettlement, args = argsFor(member)) {
    const history = messages.map((m, i) => delivery(i + 1, m));
    const sent: number[] = [];
    let applied = 0;
    for (let k = 1; k <= history.length; k++) {
      const needed = deliveriesNeeded(args, type, history.slice(0, k), applied);
      if (needed > applied) sent.push((applied = needed));
    }
    return sent;
  }

  it('holds what asks nothing of the member until a delivery that does, and always the start and the end', () => {
    expect(signalled('alice', HAPPY_PATH)).toEqual([1, 5, 6]);
    expect(signalled('bob', HAPPY_PATH)).toEqual([1, 2, 4, 6]);
    expect(signalled('carol', HAPPY_PATH)).toEqual([1, 3, 6]);
  });

  it('takes every delivery up to the last one needed, in one go', () => {
    const history = HAPPY_PATH.map((m, i) => delivery(i + 1, m));
    expect(deliveriesNeeded(argsFor('alice'), tradeSettlement, history.slice(0, 4), 1)).toBe(1);
    expect(deliveriesNeeded(argsFor('alice'), tradeSettlement, history.slice(0, 5), 1)).toBe(5);
    expect(deliveriesNeeded(argsFor('carol'), tradeSettlement, history, 0)).toBe(6);
    expect(deliveriesNeeded(argsFor('carol'), tradeSettlement, [], 0)).toBe(0);
  });

  it('delivers a change of status at once, and each compensation to its owner', () => {
    const rollback = [...UNTIL_REJECTION, compensated('reserve-stock', 'bob'), compensated('place-order', 'alice')];
    // The rejection moves everybody to compensating; bob compensates first, then alice.
    expect(signalled('alice', rollback)).toEqual([1, 4, 5, 6]);
    expect(signalled('bob', rollback)).toEqual([1, 2, 4, 6]);
    expect(signalled('carol', rollback)).toEqual([1, 3, 4, 6]);
  });

  it("delivers a refusal of the member's own message, so that the workflow undoes its action", () => {
    const cancel: LedgerMessage = {
      kind: 'cancel-requested',
      id: messageId(PROCESS_ID, 'cancel-requested', 'carol'),
      processId: PROCESS_ID,
      author: 'carol',
      reason: 'changed our mind',
    };
    // bob's reserve-stock comes after the cancel: refused, and bob's stock is released locally.
    const messages = [started(), done('place-order', 'alice'), cancel, done('reserve-stock', 'bob')];
    expect(signalled('bob', messages)).toEqual([1, 2, 3, 4]);
    expect(signalled('carol', messages)).toEqual([1, 3]);
  });

  it('delivers the start and the end of every deadline the member watches', () => {
    const parties = { arranger: 'alice', lender1: 'bob', lender2: 'carol' };
    const input = { borrower: 'acme', amount: 1000, approvalDeadlineSeconds: 60 };
    const args = (member: string): ProcessArgs => ({
      processId: PROCESS_ID,
      processType: loanSyndication.name,
      member,
      initiator: 'alice',
      input,
      participants: parties,
    });
    const outcome = (step: string, author: string): LedgerMessage => ({
      kind: 'step-outcome',
      id: messageId(PROCESS_ID, 'step-outcome', step),
      processId: PROCESS_ID,
      author,
      step,
      outcome: 'done',
    });
    const messages: LedgerMessage[] = [
      { ...(started() as ProcessStartedMessage), processType: loanSyndication.name, input, participants: parties },
      outcome('propose-terms', 'alice'),
      outcome('approve-lender1', 'bob'),
      outcome('approve-lender2', 'carol'),
    ];
    // alice watches both lenders' deadlines from propose-terms on, and each ends with its approval.
    expect(signalled('alice', messages, loanSyndication, args('alice'))).toEqual([1, 2, 3, 4]);
    // Without deadlines the lenders' approvals ask nothing of carol: her own ended her action, bob's is his.
    const noDeadline = { ...input, approvalDeadlineSeconds: undefined };
    const relaxed = messages.map((m) => (m.kind === 'process-started' ? { ...m, input: noDeadline } : m));
    expect(signalled('carol', relaxed, loanSyndication, { ...args('carol'), input: noDeadline })).toEqual([1, 2]);
  });
});
