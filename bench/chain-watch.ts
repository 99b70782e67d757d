import { destination } from 'pino';
import { NewHeads } from '../apps/shared/chain/new-heads.js';
import { SequencerClient, type PinnedBatch } from '../apps/shared/chain/sequencer.js';
import { call } from '../apps/network/json-rpc.js';
import { createLogger } from '../apps/shared/logger.js';

/** While the WebSocket is down, the chain is polled this often instead. */
const FALLBACK_POLL_MS = 10;
/** While it is up, how often the clock looks whether it still is (every 10 ms cost about 5 ms of CPU a second here). */
const LIVE_CHECK_MS = 1_000;

/** Asks the chain for its head (one JSON-RPC request). */
export async function blockNumberAt(rpcUrl: string): Promise<number> {
  return Number(await call<string>(rpcUrl, 'eth_blockNumber'));
}

/**
 * The benchmark's reads of the chain: its head, and the batches mined in a
 * range. When each block became visible is the observer's
 * (`BlockClock`, on the observer thread).
 */
export class ChainWatch {
  readonly sequencer: SequencerClient;

  constructor(
    private readonly rpcUrl: string,
    sequencerAddress: string,
  ) {
    this.sequencer = new SequencerClient({ rpcUrl, address: sequencerAddress });
  }

  blockNumber(): Promise<number> {
    return blockNumberAt(this.rpcUrl);
  }

  /** Batches mined in [from, to], and a pin → block map for them. */
  async batches(from: number, to: number): Promise<{ batches: PinnedBatch[]; blockOfPin: Map<number, number> }> {
    const batches = await this.sequencer.batchesBetween(from, to);
    const blockOfPin = new Map<number, number>();
    for (const b of batches) for (let i = 0; i < b.pins.length; i++) blockOfPin.set(b.firstPin + i, b.blockNumber);
    return { batches, blockOfPin };
  }

  destroy(): void {
    this.sequencer.destroy();
  }
}

/**
 * Notes when each block first becomes visible on the chain (the journaling
 * proxy the members read through): the start of the ledger-to-subscriber
 * delivery time. It follows the proxy's newHeads announcements, as the
 * members' listeners do, stamping each announced block as it comes, so its
 * own requests stay out of the network's CPU; it polls every 10 ms only
 * while the subscription is down (a drop is noticed within a second, and the
 * subscription's return makes it read the head).
 */
export class BlockClock {
  readonly seenAt = new Map<number, number>();
  private readonly heads: NewHeads;
  private timer?: NodeJS.Timeout;
  private head = -1;
  private busy = false;
  /** When the first announcement not yet read came (blocks it covers were visible since). */
  private unreadSince?: number;

  constructor(
    private readonly rpcUrl: string,
    wsUrl: string,
  ) {
    // Its warnings (a subscription lost) go to stderr beside the bench's own lines.
    const log = createLogger('block-clock', 'bench', 'warn', destination({ dest: 2, sync: true }));
    this.heads = new NewHeads(wsUrl, (n) => this.announced(n), log);
  }

  start(): void {
    this.heads.start();
    const tick = () => {
      if (!this.heads.live) this.announced();
      this.timer = setTimeout(tick, this.heads.live ? LIVE_CHECK_MS : FALLBACK_POLL_MS);
    };
    this.timer = setTimeout(tick, FALLBACK_POLL_MS);
  }

  stop(): void {
    this.heads.stop();
    clearTimeout(this.timer);
  }

  /** An announced block is stamped at once; without a number the head is read. */
  private announced(blockNumber?: number): void {
    if (blockNumber !== undefined && this.head >= 0) return this.stamp(blockNumber, Date.now());
    this.unreadSince ??= Date.now();
    void this.read();
  }

  private stamp(upTo: number, at: number): void {
    for (let b = this.head + 1; b <= upTo; b++) this.seenAt.set(b, at);
    this.head = Math.max(this.head, upTo);
  }

  /** Reads the head and stamps every new block with the time of the first unread announcement. */
  private async read(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.unreadSince !== undefined) {
        const at = this.unreadSince;
        this.unreadSince = undefined;
        const n = await blockNumberAt(this.rpcUrl).catch(() => undefined);
        if (n === undefined) {
          this.unreadSince ??= at; // read again on the next announcement, with this block's time
          break;
        }
        if (this.head < 0) this.head = n;
        this.stamp(n, at);
      }
    } finally {
      this.busy = false;
    }
  }
}
