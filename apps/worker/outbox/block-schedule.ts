/** Heads kept to learn the chain's block interval from. */
const HEADS_KEPT = 8;
/** Transactions in a row that waited for their block before the chain counts as mining on its own schedule. */
const WAITED_IN_A_ROW = 2;
/** How far before a fitted line a head may be and still count as on it. */
const LINE_TOLERANCE_MS = 0.5;

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
 * The beat is learned from the heads this worker sees. A head reaches the
 * worker some time after its block was mined, never before, and that delay
 * varies with the load (the last head alone once put a send past its block).
 * So the beat is the line under the heads' arrival times: block k at
 * `first + k * interval`, with every head on or after its block's time, as
 * close as the heads allow. Block numbers do not tell the slots apart (a local
 * chain with a block time mines no empty blocks), so each gap counts as the
 * whole number of shortest gaps nearest to it.
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

  /**
   * One of the pinner's transactions, sent at `sentAt`, was mined, either as
   * it was sent or after waiting for a block.
   */
  mined(waitedForBlock: boolean, sentAt = Date.now()): void {
    // The chain has just begun to mine on its own: heads from before this send say nothing about its interval
    // (those since, its own block's among them, do).
    if (waitedForBlock && this.waitedInARow === 0) this.heads = this.heads.filter((at) => at >= sentAt);
    this.waitedInARow = waitedForBlock ? this.waitedInARow + 1 : 0;
  }

  /** The chain's block interval in ms, once it is seen to mine on its own schedule; undefined until then. */
  get intervalMs(): number | undefined {
    return this.beat()?.intervalMs;
  }

  /** How long to wait before sending a batch so that it makes the next block; 0: send now. */
  waitMs(now = Date.now()): number {
    const beat = this.beat();
    if (beat === undefined) return 0;
    const { firstMs, intervalMs } = beat;
    let nextBlock = firstMs + Math.ceil((now - firstMs) / intervalMs) * intervalMs;
    if (nextBlock <= now) nextBlock += intervalMs;
    return Math.max(0, nextBlock - this.aheadMs - now);
  }

  /** When the first kept head's block was mined and the interval, fitted under the heads (see the class comment). */
  private beat(): { firstMs: number; intervalMs: number } | undefined {
    const heads = this.heads;
    if (this.waitedInARow < WAITED_IN_A_ROW || heads.length < 2) return undefined;
    let shortest = Infinity;
    for (let i = 1; i < heads.length; i++) shortest = Math.min(shortest, heads[i] - heads[i - 1]);
    if (!(shortest > 0) || !Number.isFinite(shortest)) return undefined;
    // The slot of each head, counted from the first.
    const slots = [0];
    for (let i = 1; i < heads.length; i++)
      slots.push(slots[i - 1] + Math.max(1, Math.round((heads[i] - heads[i - 1]) / shortest)));
    // Each line through two heads is a candidate; of those with no head before it, the closest to all.
    // Times count from the first head (small numbers, exact enough), and a head within
    // LINE_TOLERANCE_MS of a line counts as on it (the clock reads whole milliseconds).
    const at = heads.map((h) => h - heads[0]);
    let best: { firstMs: number; intervalMs: number; slack: number } | undefined;
    for (let i = 0; i < at.length; i++)
      for (let j = i + 1; j < at.length; j++) {
        const intervalMs = (at[j] - at[i]) / (slots[j] - slots[i]);
        const firstMs = at[i] - slots[i] * intervalMs;
        let slack = 0;
        for (let m = 0; m < at.length && slack >= 0; m++) {
          const late = at[m] - (firstMs + slots[m] * intervalMs);
          slack = late < -LINE_TOLERANCE_MS ? -1 : slack + Math.max(0, late);
        }
        if (slack >= 0 && (best === undefined || slack < best.slack)) best = { firstMs, intervalMs, slack };
      }
    return best && { firstMs: heads[0] + best.firstMs, intervalMs: best.intervalMs };
  }
}
