/**
 * What one client may ask of `/ws`: a bounded number of open connections per
 * address, and frames at a bounded rate per connection (a token bucket:
 * `framesPerSecond` on average, bursts up to twice that).
 */
export class WsLimits {
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxConnectionsPerAddress: number,
    private readonly framesPerSecond: number,
  ) {}

  /** Counts a new connection from `address`; false (and not counted) when it is one too many. */
  open(address: string): boolean {
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.maxConnectionsPerAddress) return false;
    this.perAddress.set(address, open + 1);
    return true;
  }

  close(address: string): void {
    const open = (this.perAddress.get(address) ?? 1) - 1;
    if (open <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, open);
  }

  /** A bucket for one connection's frames. */
  frameBucket(now: () => number = Date.now): () => boolean {
    const capacity = this.framesPerSecond * 2;
    let tokens = capacity;
    let last = now();
    return () => {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * this.framesPerSecond);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    };
  }
}
