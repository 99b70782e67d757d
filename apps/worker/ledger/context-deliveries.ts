import type { LedgerDelivery, LedgerMessage, ProcessStartedMessage } from '../../../workflows/messages.js';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import { groupBy } from '../../shared/db/chunks.js';
import { messageBodies } from '../../shared/db/message-bodies.js';
import type { ContextPin, PinStore } from '../../shared/db/pin-store.js';
import type { Queryable } from '../../shared/db/sql.js';

/** A context's recorded pins and the deliveries they make, as the projector and the dispatcher see them. */
export interface ContextDeliveries {
  context: string;
  /** Every recorded pin of the context, in context order. */
  pins: ContextPin[];
  /**
   * The deliveries of `pins` from index 1 up to the first pin whose private
   * data this member lacks (or a gap in the numbering): a process is applied
   * in order, never past a pin it cannot read.
   */
  deliveries: LedgerDelivery[];
  /** The process-started message among the deliveries; without it the context waits. */
  start?: ProcessStartedMessage;
}

/**
 * Loads these contexts' pins and private messages in two reads (not two per
 * context) and builds each one's deliveries, pin authors named by the member
 * registry. One loader for the projector and the dispatcher, so both apply
 * exactly the same history.
 */
export async function loadContextDeliveries(
  ds: Queryable,
  store: PinStore,
  directory: MemberDirectory,
  contexts: string[],
): Promise<ContextDeliveries[]> {
  const all = await store.pinsOf(contexts);
  const bodies = await messageBodies(
    ds,
    all.map((p) => p.hash),
  );
  const byContext = groupBy(all, (p) => p.context);
  const out: ContextDeliveries[] = [];
  for (const context of contexts) {
    const pins = (byContext.get(context) ?? []).sort((a, b) => a.contextIndex - b.contextIndex);
    const deliveries: LedgerDelivery[] = [];
    for (const pin of pins) {
      const body = bodies.get(pin.hash);
      if (!body || pin.contextIndex !== deliveries.length + 1) break;
      deliveries.push({
        index: pin.contextIndex,
        pin: pin.pin,
        batch: pin.batch,
        blockNumber: pin.blockNumber,
        author: (await directory.byAccount(pin.author))?.name ?? pin.author,
        message: JSON.parse(body) as LedgerMessage,
      });
    }
    const start = deliveries
      .map((d) => d.message)
      .find((m): m is ProcessStartedMessage => m.kind === 'process-started');
    out.push({ context, pins, deliveries, start });
  }
  return out;
}
