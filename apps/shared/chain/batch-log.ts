import { getAddress } from 'ethers';
import type { PinnedBatch } from './sequencer-types.js';

/** A log as JSON-RPC returns it (`eth_getLogs`), or as ethers wraps it (`index` for `logIndex`). */
export interface RawLog {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: number | string;
  logIndex?: number | string;
  index?: number;
  transactionHash: string;
  removed?: boolean;
}

const WORD = 64; // hex digits in one 32-byte ABI word

/**
 * Decodes a Sequencer `BatchPinned(uint256 indexed sequence, address indexed
 * author, bytes32 batchHash, uint256 firstPin, bytes32[] contexts, bytes32[]
 * pins)` log by hand. ethers' generic decoder spent about a millisecond a log,
 * which was most of the time a member took to read the ledger from block 0.
 * The caller checks the address and the event's topic; a log that does not
 * fit the layout throws.
 */
export function decodeBatchPinned(log: RawLog, authors = new Map<string, string>()): PinnedBatch {
  const data = log.data.startsWith('0x') ? log.data.slice(2) : log.data;
  const word = (i: number): string => {
    if ((i + 1) * WORD > data.length) throw new Error(`BatchPinned log ${log.transactionHash}: data too short`);
    return data.slice(i * WORD, (i + 1) * WORD);
  };
  const uint = (i: number): number => Number(BigInt('0x' + word(i)));
  const bytes32Array = (offsetWord: number): string[] => {
    const offset = uint(offsetWord);
    if (offset % 32 !== 0) throw new Error(`BatchPinned log ${log.transactionHash}: misaligned array`);
    const start = offset / 32;
    const length = uint(start);
    word(start + length); // the last element is there
    return Array.from({ length }, (_, k) => '0x' + word(start + 1 + k));
  };
  if (log.topics.length !== 3) throw new Error(`BatchPinned log ${log.transactionHash}: expected 3 topics`);
  const authorTopic = log.topics[2].toLowerCase();
  let author = authors.get(authorTopic);
  if (!author) authors.set(authorTopic, (author = getAddress('0x' + authorTopic.slice(-40))));
  const contexts = bytes32Array(2);
  const pins = bytes32Array(3);
  if (contexts.length !== pins.length)
    throw new Error(`BatchPinned log ${log.transactionHash}: ${contexts.length} contexts for ${pins.length} pins`);
  return {
    sequence: Number(BigInt(log.topics[1])),
    author,
    batchHash: '0x' + word(0),
    firstPin: uint(1),
    contexts,
    pins,
    blockNumber: Number(log.blockNumber),
    logIndex: Number(log.logIndex ?? log.index),
    transactionHash: log.transactionHash,
  };
}
