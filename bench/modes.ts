// How long and how hard each kind of run (`npm run bench [-- --quick | --soak]`) measures.

export interface Mode {
  name: 'quick' | 'full' | 'soak';
  levels: number[];
  levelMs: number;
  soakMs: number;
  /** Synthetic events replayed through a durable subscription. */
  replayEvents: number;
  /** The idle window after warm-up over which each process's CPU time is measured. */
  idleMs: number;
  /** Pins queued at once at the buyer at the end (bench/ledger-burst.ts). */
  burstPins: number;
  /** Block intervals of the chain with block times (bench/block-time.ts), and blocks measured at each. */
  blockTimesMs: number[];
  blocksPerLevel: number;
  /** The Baton level run on the network's own chain with a block time, after the others. */
  onBlockTime: { inFlight: number; blockMs: number };
}

const QUICK: Mode = {
  name: 'quick',
  levels: [1, 10, 50],
  levelMs: 10_000,
  soakMs: 0,
  replayEvents: 20_000,
  idleMs: 10_000,
  burstPins: 2_000,
  blockTimesMs: [2_000, 5_000],
  blocksPerLevel: 4,
  onBlockTime: { inFlight: 50, blockMs: 5_000 },
};

export const MODES: Record<Mode['name'], Mode> = {
  quick: QUICK,
  full: {
    name: 'full',
    levels: [1, 10, 50, 200],
    levelMs: 30_000,
    soakMs: 0,
    replayEvents: 100_000,
    idleMs: 30_000,
    burstPins: 10_000,
    blockTimesMs: [1_000, 2_000, 5_000, 12_000],
    blocksPerLevel: 6,
    onBlockTime: { inFlight: 200, blockMs: 12_000 },
  },
  // The quick run, with 10 minutes of load at 10 in flight after its levels (bench/main.ts runSoak).
  soak: { ...QUICK, name: 'soak', soakMs: 10 * 60_000 },
};
