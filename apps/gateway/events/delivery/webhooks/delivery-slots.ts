/**
 * A gateway-wide bound on webhook requests in flight (WEBHOOK_MAX_CONCURRENT),
 * shared between subscriptions: a freed slot goes to the next subscription
 * waiting, in turn, and none holds more than half the slots, so a receiver
 * that answers slowly (or never, until the timeout) delays the others' requests
 * without stopping them.
 */
export class DeliverySlots {
  private readonly perKey: number;
  private readonly held = new Map<string, number>();
  /** Waiting requests by subscription; the Map's order is the turn order. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private inUse = 0;

  constructor(private readonly max: number) {
    this.perKey = Math.max(1, Math.ceil(max / 2));
  }

  /** Resolves when `key` may send one request; call the function it gives once the request is over. */
  acquire(key: string): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.inUse += 1;
        this.held.set(key, (this.held.get(key) ?? 0) + 1);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.inUse -= 1;
          const left = this.held.get(key)! - 1;
          if (left > 0) this.held.set(key, left);
          else this.held.delete(key);
          this.next();
        });
      };
      const queue = this.waiting.get(key);
      if (queue) queue.push(grant);
      else this.waiting.set(key, [grant]);
      this.next();
    });
  }

  /** Requests in flight and waiting, for status and tests. */
  get counts(): { inUse: number; waiting: number } {
    let waiting = 0;
    for (const queue of this.waiting.values()) waiting += queue.length;
    return { inUse: this.inUse, waiting };
  }

  private next(): void {
    for (const [key, queue] of this.waiting) {
      if (this.inUse >= this.max) return;
      if ((this.held.get(key) ?? 0) >= this.perKey) continue;
      const grant = queue.shift()!;
      // To the back of the turn order, with what it still waits for.
      this.waiting.delete(key);
      if (queue.length > 0) this.waiting.set(key, queue);
      grant();
    }
  }
}
