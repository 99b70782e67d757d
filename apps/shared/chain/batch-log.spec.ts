import fc from 'fast-check';
import { Interface, hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import { decodeBatchPinned } from './batch-log.js';
import { loadSequencerArtifact } from './sequencer-artifact.js';

const iface = new Interface(loadSequencerArtifact().abi);
const event = iface.getEvent('BatchPinned')!;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexlify(b));

/** A BatchPinned log as the chain would return it, encoded by ethers from the contract's ABI. */
function encoded(sequence: bigint, author: string, batchHash: string, firstPin: bigint, pairs: [string, string][]) {
  const { data, topics } = iface.encodeEventLog(event, [
    sequence,
    author,
    batchHash,
    firstPin,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  ]);
  return {
    address: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
    topics,
    data,
    blockNumber: '0x1f',
    logIndex: '0x2',
    transactionHash: '0xabc',
  };
}

describe('decoding BatchPinned logs by hand', () => {
  it('reads what ethers reads from the ABI, for any batch', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }),
        address,
        bytes32,
        fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }),
        fc.array(fc.tuple(bytes32, bytes32), { maxLength: 40 }),
        (sequence, author, batchHash, firstPin, pairs) => {
          const log = encoded(sequence, author, batchHash, firstPin, pairs);
          const parsed = iface.parseLog(log)!;
          expect(decodeBatchPinned(log)).toEqual({
            sequence: Number(parsed.args[0]),
            author: parsed.args[1] as string,
            batchHash: parsed.args[2] as string,
            firstPin: Number(parsed.args[3]),
            contexts: [...(parsed.args[4] as string[])],
            pins: [...(parsed.args[5] as string[])],
            blockNumber: 31,
            logIndex: 2,
            transactionHash: '0xabc',
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a log that does not fit the layout instead of reading past it', () => {
    const log = encoded(1n, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x' + '11'.repeat(32), 7n, [
      ['0x' + '22'.repeat(32), '0x' + '33'.repeat(32)],
    ]);
    expect(() => decodeBatchPinned({ ...log, data: log.data.slice(0, -64) })).toThrow(/data too short/);
    expect(() => decodeBatchPinned({ ...log, topics: log.topics.slice(0, 2) })).toThrow(/3 topics/);
    // The pins array says it holds two entries where the contexts array holds one.
    const words = log.data.slice(2).match(/.{64}/g)!;
    const pinsAt = Number(BigInt('0x' + words[3])) / 32;
    words[pinsAt] = 2n.toString(16).padStart(64, '0');
    words.push('44'.repeat(32));
    expect(() => decodeBatchPinned({ ...log, data: '0x' + words.join('') })).toThrow(/1 contexts for 2 pins/);
  });
});
