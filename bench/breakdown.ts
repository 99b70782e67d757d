import type { ReceivedEvent } from './member-feed.js';
import { percentile } from './stats.js';

/** Where one pin's round goes, at one process in flight (medians over all pins seen). */
export interface PinCycle {
  pins: number;
  /** Pin's block visible → its event at the member that acts next (listener, dispatcher, signal, workflow, projection, event poll). */
  blockToEventMs: number;
  /** That event → the next pin's block visible (activity, data exchange, pin queue and linger, chain transaction). */
  eventToNextBlockMs: number;
  /** Pin's block visible → its event at the last of the three members. */
  blockToLastMemberMs: number;
}

/**
 * Splits each process's pins into the two halves of a round: the ledger
 * bringing pin n to the member that writes pin n+1, and that member acting
 * and getting pin n+1 mined. Meaningful at one process in flight.
 */
export function pinCycles(
  events: ReceivedEvent[],
  blockOfPin: Map<number, number>,
  seenAt: Map<number, number>,
): PinCycle {
  const seen = (pin: number) => {
    const block = blockOfPin.get(pin);
    return block === undefined ? undefined : seenAt.get(block);
  };
  const byProcess = new Map<string, ReceivedEvent[]>();
  for (const e of events)
    if (e.processId && e.pin !== undefined) byProcess.set(e.processId, [...(byProcess.get(e.processId) ?? []), e]);
  const toEvent: number[] = [];
  const toNext: number[] = [];
  const toLast: number[] = [];
  for (const list of byProcess.values()) {
    const pins = [...new Set(list.map((e) => e.pin!))].sort((a, b) => a - b);
    for (const [i, pin] of pins.entries()) {
      const t = seen(pin);
      if (t === undefined) continue;
      // First arrival per member (a pin yields several events: step-done and process-completed, say).
      const arrivals = new Map<string, number>();
      for (const e of list.filter((x) => x.pin === pin))
        arrivals.set(e.member, Math.min(arrivals.get(e.member) ?? Infinity, e.receivedAt));
      if (arrivals.size > 0) toLast.push(Math.max(...arrivals.values()) - t);
      const next = pins[i + 1];
      const nextAuthor = list.find((e) => e.pin === next)?.author;
      const at = nextAuthor === undefined ? undefined : arrivals.get(nextAuthor);
      const nextSeen = next === undefined ? undefined : seen(next);
      if (at === undefined || nextSeen === undefined) continue;
      toEvent.push(at - t);
      toNext.push(nextSeen - at);
    }
  }
  return {
    pins: toLast.length,
    blockToEventMs: Math.round(percentile(toEvent, 50)),
    eventToNextBlockMs: Math.round(percentile(toNext, 50)),
    blockToLastMemberMs: Math.round(percentile(toLast, 50)),
  };
}
