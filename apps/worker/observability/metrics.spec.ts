import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from './metrics.js';

describe('WorkerMetrics', () => {
  it('exposes the worker metrics and default process metrics in its own registry', async () => {
    const metrics = new WorkerMetrics();
    await metrics.timeStep({ process_type: 'trade-settlement', step: 'ship', kind: 'action' }, () =>
      Promise.resolve('done'),
    );
    metrics.pinsPerTransaction.observe(3);
    metrics.pinTransactions.inc();
    metrics.pinsRecorded.inc(3);
    metrics.deliveries.inc(2);
    metrics.ledgerLag.set(4);
    metrics.messagesDelivered.inc(5);
    metrics.messageDeliveryFailures.inc();
    metrics.messageDeliveryBackoff.set(1);
    const text = await metrics.text();
    expect(text).toContain(
      'baton_step_duration_seconds_count{process_type="trade-settlement",step="ship",kind="action"} 1',
    );
    expect(text).toContain('baton_pins_per_transaction_count 1');
    expect(text).toContain('baton_pins_per_transaction_sum 3');
    expect(text).toContain('baton_pin_transactions_total 1');
    expect(text).toContain('baton_ledger_pins_recorded_total 3');
    expect(text).toContain('baton_ledger_deliveries_total 2');
    expect(text).toContain('baton_ledger_lag_blocks 4');
    expect(text).toContain('baton_messages_delivered_total 5');
    expect(text).toContain('baton_message_delivery_failures_total 1');
    expect(text).toContain('baton_message_delivery_waiting_processes 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('times a step that throws, and registries do not share series', async () => {
    const a = new WorkerMetrics();
    const b = new WorkerMetrics();
    const failing = a.timeStep({ process_type: 't', step: 's', kind: 'compensation' }, () =>
      Promise.reject(new Error('down')),
    );
    await expect(failing).rejects.toThrow('down');
    expect(await a.text()).toContain(
      'baton_step_duration_seconds_count{process_type="t",step="s",kind="compensation"} 1',
    );
    expect(await b.text()).not.toContain('process_type="t"');
  });
});
