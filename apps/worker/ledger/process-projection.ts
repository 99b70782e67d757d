import { processWorkflowId } from '../../../workflows/definitions.js';
import type { LedgerDelivery, ProcessStartedMessage } from '../../../workflows/messages.js';
import { applyDelivery, initialState } from '../../../workflows/process-state.js';
import { findProcessType } from '../../../workflows/process-types/index.js';
import type { ProcessRecord } from '../../shared/db/entities.js';
import type { NewEvent } from '../../shared/db/event-log.js';
import { processEventRecords, processRow } from '../../shared/db/process-row.js';

/** A recorded pin as the projector needs it, with the delivery it makes. */
export interface PinDelivery {
  pin: { pin: number; contextIndex: number; batch: number; hash: string; blockNumber: number; transactionHash: string };
  delivery: LedgerDelivery;
  /** Not projected before: its events are new. */
  fresh: boolean;
}

export interface ProcessProjection {
  /** Pins newly projected. */
  pins: number[];
  /** Their events, in order: for each pin its message-confirmed (or -rejected), then the process events it caused. */
  events: NewEvent[];
  /** The member's view of the process after every pin (createdAt and updatedAt left to the writer). */
  row?: ProcessRecord;
}

/**
 * Folds a process's deliveries, from index 1, through the workflows' own
 * state machine: the state after them is what the member's workflow holds
 * after the same deliveries, and the process events carry the same keys, so
 * whichever of the two writes an event first, it is in the log once.
 * Deterministic: the same deliveries give the same row and events everywhere.
 */
export function projectProcess(member: string, start: ProcessStartedMessage, known: PinDelivery[]): ProcessProjection {
  const type = findProcessType(start.processType);
  // An unknown type is refused by the workflow too: nothing to show.
  if (!type) return { pins: known.filter((k) => k.fresh).map((k) => k.pin.pin), events: [] };
  const state = initialState(
    {
      processId: start.processId,
      processType: start.processType,
      member,
      initiator: start.author,
      input: start.input,
      participants: start.participants,
    },
    type,
  );
  const pins: number[] = [];
  const events: NewEvent[] = [];
  for (const { pin, delivery, fresh } of known) {
    if (delivery.index !== state.appliedIndex + 1) break;
    const ignored = state.ignored.length;
    const caused = applyDelivery(state, delivery, type);
    if (!fresh) continue;
    pins.push(pin.pin);
    const rejected = state.ignored.length > ignored ? state.ignored[ignored].reason : undefined;
    events.push(messageEvent(pin, delivery, start, rejected), ...processEventRecords(caused));
  }
  const workflowId = processWorkflowId(start.processType, start.processId, member);
  return { pins, events, row: processRow(state, { workflowId, createdAt: '', updatedAt: '' }) };
}

/** `message-confirmed` (the pin matched its private data and applied) or `message-rejected` (ignored, with why). */
function messageEvent(
  pin: PinDelivery['pin'],
  d: LedgerDelivery,
  start: ProcessStartedMessage,
  rejected?: string,
): NewEvent {
  const m = d.message;
  const type = rejected === undefined ? 'message-confirmed' : 'message-rejected';
  return {
    key: `${type}/${pin.pin}`,
    type,
    processId: start.processId,
    processType: start.processType,
    topic: start.processType,
    correlator: start.processId,
    data: {
      messageId: m.id,
      kind: m.kind,
      step: 'step' in m ? m.step : undefined,
      author: d.author,
      pin: pin.pin,
      index: pin.contextIndex,
      batch: pin.batch,
      hash: pin.hash,
      blockNumber: pin.blockNumber,
      transactionHash: pin.transactionHash,
      reason: rejected,
    },
  };
}
