import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ledgerEventSignal } from '../../workflows/definitions.js';
import type { LedgerDelivery, LedgerMessage } from '../../workflows/messages.js';

/** Pins are global numbers, unlike indexes: offset them so a mix-up of the two shows. */
export const PIN_OFFSET = 1000;

/**
 * The test's Sequencer and ledger listener in one: every message a member
 * publishes gets the next index of the process (one global order) and is
 * signalled to every member's workflow. A message published twice (same id,
 * as a retried activity would) is sequenced once. Tests can park messages to
 * choose their order, and scramble what one member receives.
 */
export class Ledger {
  /** The ledger: deliveries in index order. */
  readonly deliveries: LedgerDelivery[] = [];
  /** Every publish, including repeats of the same message. */
  readonly published: LedgerMessage[] = [];
  /** Per member, the indexes signalled to it, in the order they were sent. */
  readonly sent = new Map<string, number[]>();
  /** Signals that failed for another reason than a finished workflow. */
  readonly errors: unknown[] = [];
  /** Messages it matches are parked instead of sequenced, until `release`. */
  hold: (m: LedgerMessage) => boolean = () => false;
  private readonly parked: LedgerMessage[] = [];
  private readonly seen = new Set<string>();
  private readonly scrambled = new Set<string>();
  private readonly held = new Map<string, { d: LedgerDelivery; timer: NodeJS.Timeout }>();
  private readonly queues = new Map<string, Promise<void>>();
  private handles: Record<string, WorkflowHandle> | undefined;
  private attached!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.attached = resolve));

  /** The members' workflows; messages published before this wait for it. */
  attach(handles: Record<string, WorkflowHandle>): void {
    this.handles = handles;
    this.attached();
  }

  /**
   * What `member` receives is scrambled: every delivery arrives twice, and each
   * even index is held back until the next index has been sent first (or 300 ms passed).
   */
  scramble(member: string): void {
    this.scrambled.add(member);
  }

  publish(message: LedgerMessage): void {
    this.published.push(message);
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    if (this.hold(message)) this.parked.push(message);
    else this.sequence(message);
  }

  parkedMessages(): readonly LedgerMessage[] {
    return this.parked;
  }

  /** Sequences parked messages, in the order given. */
  release(...ids: string[]): void {
    for (const id of ids) {
      const i = this.parked.findIndex((m) => m.id === id);
      if (i < 0) throw new Error(`message ${id} is not parked`);
      this.sequence(this.parked.splice(i, 1)[0]);
    }
  }

  /** Sends `delivery` to `member` as is, whatever the ledger holds (a transport glitch). */
  resend(member: string, delivery: LedgerDelivery): void {
    this.signal(member, delivery);
  }

  /** Resolves once everything sequenced so far has been signalled. */
  async flushed(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  private sequence(message: LedgerMessage): void {
    const index = this.deliveries.length + 1;
    const delivery: LedgerDelivery = {
      index,
      pin: PIN_OFFSET + index,
      batch: index,
      blockNumber: 100 + index,
      author: message.author,
      message,
    };
    this.deliveries.push(delivery);
    void this.ready.then(() => {
      for (const member of Object.keys(this.handles!)) this.route(member, delivery);
    });
  }

  private route(member: string, d: LedgerDelivery): void {
    if (!this.scrambled.has(member)) return this.signal(member, d);
    const held = this.held.get(member);
    if (held) {
      this.held.delete(member);
      clearTimeout(held.timer);
      for (const x of [d, held.d, held.d, d]) this.signal(member, x);
    } else if (d.index % 2 === 0) {
      const timer = setTimeout(() => {
        this.held.delete(member);
        this.signal(member, d);
        this.signal(member, d);
      }, 300);
      this.held.set(member, { d, timer });
    } else {
      this.signal(member, d);
      this.signal(member, d);
    }
  }

  /** Signals are sent one after another per member, in the order routed. */
  private signal(member: string, d: LedgerDelivery): void {
    const handle = this.handles![member];
    const previous = this.queues.get(member) ?? Promise.resolve();
    this.queues.set(
      member,
      previous.then(async () => {
        this.sent.set(member, [...(this.sent.get(member) ?? []), d.index]);
        try {
          await handle.signal(ledgerEventSignal, d);
        } catch (err) {
          // A member whose workflow already finished needs nothing more.
          if (!(err instanceof WorkflowNotFoundError)) this.errors.push(err);
        }
      }),
    );
  }
}
