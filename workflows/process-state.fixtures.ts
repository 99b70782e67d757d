/**
 * Ledger messages and deliveries of one trade-settlement among alice (buyer),
 * bob (seller) and carol (bank), for the specs of the state machine and of
 * the policies built on it. Test-only: nothing in a workflow imports it.
 */
import type { LedgerDelivery, LedgerMessage } from './messages.js';
import { messageId } from './messages.js';
import type { ProcessArgs } from './process-state.js';
import { tradeSettlement } from './process-types/trade-settlement.js';

export const PROCESS_ID = 'p-1';
export const participants = { buyer: 'alice', seller: 'bob', bank: 'carol' };
export const members = ['alice', 'bob', 'carol'];

/** A trade's workflow arguments at `member`, started by alice. */
export function argsFor(member: string): ProcessArgs {
  return {
    processId: PROCESS_ID,
    processType: tradeSettlement.name,
    member,
    initiator: 'alice',
    input: { item: 'steel', quantity: 3, amount: 1200 },
    participants,
  };
}

export function started(author = 'alice', processId = PROCESS_ID): LedgerMessage {
  return {
    kind: 'process-started',
    id: messageId(processId, 'process-started'),
    processId,
    processType: tradeSettlement.name,
    author,
    input: { item: 'steel', quantity: 3, amount: 1200 },
    participants,
  };
}

export function done(step: string, author: string, processId = PROCESS_ID): LedgerMessage {
  return {
    kind: 'step-outcome',
    id: messageId(processId, 'step-outcome', step),
    processId,
    author,
    step,
    outcome: 'done',
    output: { by: author },
  };
}

export function rejected(step: string, author: string, reason: string): LedgerMessage {
  return {
    kind: 'step-outcome',
    id: messageId(PROCESS_ID, 'step-outcome', step),
    processId: PROCESS_ID,
    author,
    step,
    outcome: 'rejected',
    reason,
  };
}

export function compensated(step: string, author: string): LedgerMessage {
  return {
    kind: 'step-compensated',
    id: messageId(PROCESS_ID, 'step-compensated', step),
    processId: PROCESS_ID,
    author,
    step,
  };
}

/** A delivery at `index`; the pinning account defaults to the message's author. */
export function delivery(index: number, message: LedgerMessage, author = message.author): LedgerDelivery {
  return { index, pin: 100 + index, batch: index, blockNumber: 10 + index, author, message };
}

export const HAPPY_PATH: LedgerMessage[] = [
  started(),
  done('place-order', 'alice'),
  done('reserve-stock', 'bob'),
  done('approve-financing', 'carol'),
  done('ship', 'bob'),
  done('confirm-receipt', 'alice'),
];

/** Up to the bank rejecting financing: place-order and reserve-stock are done. */
export const UNTIL_REJECTION: LedgerMessage[] = [
  started(),
  done('place-order', 'alice'),
  done('reserve-stock', 'bob'),
  rejected('approve-financing', 'carol', 'amount above credit limit'),
];
