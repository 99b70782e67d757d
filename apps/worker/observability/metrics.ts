import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The worker's Prometheus metrics, in a registry of its own (one per process).
 * Components take it as an optional dependency, so tests can leave it out.
 */
export class WorkerMetrics {
  readonly registry = new Registry();

  /** Wall time of one attempt of a step's action or compensation in the member's systems. */
  readonly stepDuration = new Histogram({
    name: 'baton_step_duration_seconds',
    help: 'Duration of one attempt of a step activity (action or compensation)',
    labelNames: ['process_type', 'step', 'kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly pinsPerTransaction = new Histogram({
    name: 'baton_pins_per_transaction',
    help: 'Pins sent in one Sequencer transaction by the pin batcher',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly pinTransactions = new Counter({
    name: 'baton_pin_transactions_total',
    help: 'Sequencer pinBatch transactions sent by this member',
    registers: [this.registry],
  });

  readonly pinsRecorded = new Counter({
    name: 'baton_ledger_pins_recorded_total',
    help: 'Pins (of any member) the ledger listener recorded from the chain',
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'baton_ledger_deliveries_total',
    help: 'Pins the dispatcher handed to a process workflow (signal accepted by Temporal)',
    registers: [this.registry],
  });

  readonly messagesDelivered = new Counter({
    name: 'baton_messages_delivered_total',
    help: 'Messages of this member the message sender delivered to every peer (their pins then queued)',
    registers: [this.registry],
  });

  readonly messageDeliveryFailures = new Counter({
    name: 'baton_message_delivery_failures_total',
    help: 'Attempts to deliver a message that a peer did not take (tried again with backoff)',
    registers: [this.registry],
  });

  readonly messageDeliveryBackoff = new Gauge({
    name: 'baton_message_delivery_waiting_processes',
    help: 'Processes whose next message waits out a failed delivery to a peer',
    registers: [this.registry],
  });

  readonly ledgerLag = new Gauge({
    name: 'baton_ledger_lag_blocks',
    help: 'Chain head minus the last block the ledger listener has read',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Times `run` into baton_step_duration_seconds, whether it returns or throws. */
  async timeStep<T>(labels: { process_type: string; step: string; kind: string }, run: () => Promise<T>): Promise<T> {
    const end = this.stepDuration.startTimer(labels);
    try {
      return await run();
    } finally {
      end();
    }
  }

  /** The text exposition format, for GET /metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
