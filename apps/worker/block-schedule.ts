/** Heads kept to learn the chain's block interval from. */
const HEADS_KEPT = 8;
/** Transactions in a row that waited for their block before the chain counts as mining on its own schedule. */
const WAITED_IN_A_ROW = 2;

/**
 * When the pinner should send so that its batch makes the chain's next block.
 *
 * A chain that mines on demand (the local chain by default, an automining
 * node) mines a transaction as it comes: send at once. A chain that mines on
 * its own schedule (a block every few seconds, as production chains do) takes
 * what reached it before the block. The pinner sends one transaction at a
 * time, so a batch sent right after a block carries only the pins queued by
 * then, and a pin queued a moment later waits for the block after next: two
 * blocks a pin. Once the pinner's own transactions wait for their blocks, it
 * sends shortly before the next block is due (`aheadMs`), with everything
 * queued by then: one transaction a block, and a pin waits one block at most.
 *
 * The interval is learned from the heads this worker sees (the shortest gap
 * since the chain began mining on its own: a local chain with a block time
 * mines no empty blocks, so longer gaps are whole multiples of it).
 */
export class BlockSchedule {
  private heads: number[] = [];
  private waitedInARow = 0;

  constructor(private readonly aheadMs: number) {}

  /** A new head reached this worker at `at`. */
  headSeen(at = Date.now()): void {
    this.heads.push(at);
    if (this.heads.length > HEADS_KEPT) this.heads.shift();
  }

  /** One of the pinner's transactions was mined, either as it was sent or after waiting for a block. */
  mined(waitedForBlock: boolean): void {
    // The chain has just begun to mine on its own: heads from before say nothing about its interval.
    if (waitedForBlock && this.waitedInARow === 0) this.heads = [];
    this.waitedInARow = waitedForBlock ? this.waitedInARow + 1 : 0;
  }

  /** The chain's block interval in ms, once it is seen to mine on its own schedule; undefined until then. */
  get intervalMs(): number | undefined {
    if (this.waitedInARow < WAITED_IN_A_ROW || this.heads.length < 3) return undefined;
    let shortest = Infinity;
    for (let i = 1; i < this.heads.length; i++) shortest = Math.min(shortest, this.heads[i] - this.heads[i - 1]);
    return shortest > 0 && Number.isFinite(shortest) ? shortest : undefined;
  }

  /** How long to wait before sending a batch so that it makes the next block; 0: send now. */
  waitMs(now = Date.now()): number {
    const interval = this.intervalMs;
    if (interval === undefined) return 0;
    let nextBlock = this.heads[this.heads.length - 1] + interval;
    while (nextBlock <= now) nextBlock += interval;
    return Math.max(0, nextBlock - this.aheadMs - now);
  }
}
