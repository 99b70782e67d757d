import type { DataSource } from 'typeorm';
import type { LedgerDelivery } from '../../workflows/messages.js';
import type { Cancellation } from '../../workflows/process-state.js';
import { inTransaction, nowIso } from '../shared/db/data-source.js';
import { ProcessRecord } from '../shared/db/entities.js';
import { appendEvents } from '../shared/db/event-log.js';

/**
 * A cancel pinned after the process ended reaches no workflow (finished
 * workflows take no deliveries). Every member records the same refusal for it
 * here instead, from the same pin, so the refusal is agreed like any outcome.
 */
export async function recordLateCancel(ds: DataSource, delivery: LedgerDelivery): Promise<boolean> {
  const m = delivery.message;
  if (m.kind !== 'cancel-requested' || m.author !== delivery.author) return false;
  return inTransaction(ds, async (em) => {
    const row = await em.findOneBy(ProcessRecord, { id: m.processId });
    if (!row || (row.status !== 'completed' && row.status !== 'compensated')) return false;
    const cancellations = (row.cancellations ?? []) as Cancellation[];
    if (cancellations.some((c) => c.pin === delivery.pin)) return true;
    const refusal = `too late: the process is already ${row.status}`;
    cancellations.push({ requestedBy: m.author, reason: m.reason, pin: delivery.pin, outcome: 'refused', refusal });
    await em.update(ProcessRecord, { id: row.id }, { cancellations, updatedAt: nowIso() });
    await appendEvents(em, [
      {
        key: `${row.id}/cancel-refused/${delivery.pin}`,
        type: 'cancel-refused',
        processId: row.id,
        processType: row.type,
        topic: row.type,
        correlator: row.id,
        data: { status: row.status, pin: delivery.pin, author: m.author, reason: refusal },
      },
    ]);
    return true;
  });
}
