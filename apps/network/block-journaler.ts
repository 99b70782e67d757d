import type { ChainSubscriptions, BlockHead, RawReceiptLog } from './chain-subscriptions.js';
import type { JournalWriter } from './journal.js';
import { call } from './json-rpc.js';

/** A mined transaction as its block is journaled. */
export interface MinedTransaction {
  hash: string;
  raw: string;
  logs: RawReceiptLog[];
}

/**
 * What readers of the local chain may see: a mined block only once it is
 * journaled (fsync), so whatever a client saw survives a crash and replay.
 * Until then its transactions are hidden, and readers stop at the journaled
 * height. A block mined but not journaled would fork history on replay, so
 * after one the chain refuses transactions for good.
 */
export class BlockJournaler {
  /** Hashes mined but not yet journaled: hidden from readers. */
  private readonly inFlight = new Set<string>();
  private brokenBy?: Error;

  constructor(
    private readonly nodeUrl: string,
    private readonly journal: JournalWriter,
    private journaledHeight: number,
    private lastTimestamp: number,
    private readonly subscriptions: ChainSubscriptions,
    private readonly log: (line: string) => void,
  ) {}

  /** The last block readers may see. */
  get height(): number {
    return this.journaledHeight;
  }

  /** Why transactions are refused for good, if they are. */
  get broken(): Error | undefined {
    return this.brokenBy;
  }

  isHidden(hash: string): boolean {
    return this.inFlight.has(hash.toLowerCase());
  }

  /** Runs `mine` (which mines and journals the transactions `hashes`) with them hidden from readers meanwhile. */
  async hiddenWhile<T>(hashes: string[], mine: () => Promise<T>): Promise<T> {
    for (const h of hashes) this.inFlight.add(h);
    try {
      return await mine();
    } finally {
      for (const h of hashes) this.inFlight.delete(h);
    }
  }

  /** Journals a mined block's transactions (fsync), then lets readers see it and announces it. */
  async journalBlock(number: number, txs: MinedTransaction[]): Promise<void> {
    const block = await call<BlockHead>(this.nodeUrl, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);
    const timestamp = Number(block.timestamp);
    await this.journal
      .append(txs.map(({ hash, raw }) => ({ raw, hash, block: number, timestamp })))
      .catch((err: Error) => this.refuseFromNow(new Error(`journal append failed: ${err.message}`), err));
    this.journaledHeight = number;
    this.lastTimestamp = timestamp;
    this.subscriptions.announce(
      { number: block.number, hash: block.hash, parentHash: block.parentHash, timestamp: block.timestamp },
      txs.flatMap((t) => t.logs),
    );
  }

  /** The block exists on the node but is not recorded: accepting more would fork history on replay. */
  refuseFromNow(err: Error, cause: Error = err): never {
    this.brokenBy = err;
    this.log(`local chain: ${err.message}; refusing further transactions`);
    throw cause;
  }

  /** Block times follow the wall clock even after a replay moved the node's clock. */
  nextTimestamp(): number {
    return Math.max(Math.floor(Date.now() / 1000), this.lastTimestamp + 1);
  }
}
