import { SequencerClient } from '../apps/shared/chain/sequencer.js';
import type { PinnedBatch } from '../apps/shared/chain/sequencer.js';

/**
 * Notes when each block first becomes visible on the chain's JSON-RPC (the
 * journaling proxy the members read through), polling every few ms: the
 * start of the ledger-to-subscriber delivery time.
 */
export class ChainWatch {
  readonly seenAt = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private head = -1;
  private busy = false;
  readonly sequencer: SequencerClient;

  constructor(
    private readonly rpcUrl: string,
    sequencerAddress: string,
    private readonly pollMs = 10,
  ) {
    this.sequencer = new SequencerClient({ rpcUrl, address: sequencerAddress });
  }

  async blockNumber(): Promise<number> {
    const res = await fetch(this.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
    });
    return Number(((await res.json()) as { result: string }).result);
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Batches mined in [from, to], and a pin → block map for them. */
  async batches(from: number, to: number): Promise<{ batches: PinnedBatch[]; blockOfPin: Map<number, number> }> {
    const batches = await this.sequencer.batchesBetween(from, to);
    const blockOfPin = new Map<number, number>();
    for (const b of batches) for (let i = 0; i < b.pins.length; i++) blockOfPin.set(b.firstPin + i, b.blockNumber);
    return { batches, blockOfPin };
  }

  destroy(): void {
    this.stop();
    this.sequencer.destroy();
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const n = await this.blockNumber();
      const now = Date.now();
      if (this.head < 0) this.head = n;
      for (let b = this.head + 1; b <= n; b++) this.seenAt.set(b, now);
      this.head = Math.max(this.head, n);
    } catch {
      // a missed poll only widens the next one
    } finally {
      this.busy = false;
    }
  }
}
