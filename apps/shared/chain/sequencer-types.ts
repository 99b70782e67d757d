/** Plain data shapes of the Sequencer client (see sequencer.ts). */
export interface ChainMember {
  account: string;
  name: string;
  endpoint: string;
}

/** One BatchPinned event; pin i has global pin number `firstPin + i`. */
export interface PinnedBatch {
  sequence: number;
  author: string;
  batchHash: string;
  firstPin: number;
  contexts: string[];
  pins: string[];
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

export interface PinReceipt {
  transactionHash: string;
  blockNumber: number;
  sequence: number;
  firstPin: number;
  /** The transaction had to wait for a block: the chain mines on its own schedule, not as transactions come. */
  waitedForBlock: boolean;
}

export interface SequencerClientOptions {
  rpcUrl: string;
  address: string;
  /** Needed only to send transactions; reads work without it. */
  privateKey?: string;
  /** How often receipts and blocks are polled; default 50 ms (local chains mine instantly). */
  pollingIntervalMs?: number;
  /**
   * How long a sent transaction may be unknown to the chain (neither mined
   * nor waiting in its mempool) before the send fails as dropped; default
   * 3 s. The node lost it (a restart, an eviction): its receipt will never
   * come, and the caller sends the content again.
   */
  droppedAfterMs?: number;
  /**
   * How long fee data read for one transaction serves the next ones; default
   * 5 s. The EIP-1559 fee ethers suggests is twice the base fee plus the tip,
   * so it stays valid while the base fee less than doubles.
   */
  feeDataMaxAgeMs?: number;
}
