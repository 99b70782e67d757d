import type { AppPrincipal } from '../../../auth/app-auth.js';
import type { DeliveryTarget } from '../delivery-target.js';
import type { SubscriptionDispatcher } from '../subscription-dispatcher.js';

/** A connection's place in one durable subscription. */
export interface Attachment {
  dispatcher: SubscriptionDispatcher;
  target: DeliveryTarget;
  namespace: string;
  name: string;
}

/**
 * What the gateway keeps of one `/ws` connection: its subscriptions and what
 * it may still ask. Frames come at a bounded rate, except an ack or a nack
 * answering a delivery: those are bounded by what the gateway sent, so an app
 * acking a fast replay is never throttled, and no other frame rides on them.
 * Subscriptions, held or being started, are bounded too.
 */
export class WsConnection {
  readonly ephemeral: { id: string; unsubscribe: () => void }[] = [];
  readonly durable: Attachment[] = [];
  closed = false;
  /** Deliveries sent and not yet answered. */
  private owed = 0;
  /** `start` frames taken and not yet settled: they count against the bound at once, before any await. */
  private starting = 0;

  constructor(
    /** The client's address, counted in the per-client connection bound. */
    readonly address: string,
    /** Who connected (undefined with APP_AUTH off): attaching to a durable subscription checks it. */
    readonly principal: AppPrincipal | undefined,
    /** False when the connection has sent frames faster than its rate allows. */
    private readonly takeFrame: () => boolean,
    private readonly maxSubscriptions: number,
  ) {}

  /** A delivery went out that the app may answer (FireFly's SDK acks even ephemeral events). */
  delivered(): void {
    this.owed += 1;
  }

  /** Whether a frame of `type` (lower-cased) may be handled now. */
  admits(type: string): boolean {
    if ((type === 'ack' || type === 'nack') && this.owed > 0) {
      this.owed -= 1;
      return true;
    }
    return this.takeFrame();
  }

  /** Room for one more subscription, taken until `settle`; false when the connection holds its bound. */
  reserve(): boolean {
    if (this.ephemeral.length + this.durable.length + this.starting >= this.maxSubscriptions) return false;
    this.starting += 1;
    return true;
  }

  /** A reserved start ended: its subscription is held now, or it failed. */
  settle(): void {
    this.starting -= 1;
  }
}
