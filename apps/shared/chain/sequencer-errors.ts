import type { Interface } from 'ethers';

/**
 * A Sequencer call reverted with one of the contract's custom errors
 * (NotMember, EmptyBatch, ...). Callers branch on `errorName`, which is the
 * Solidity error name, so they need not parse messages.
 */
export class SequencerRevertError extends Error {
  constructor(
    readonly action: string,
    readonly errorName: string,
    readonly args: readonly unknown[],
    options?: ErrorOptions,
  ) {
    super(`Sequencer.${action} reverted with ${errorName}(${args.map(String).join(', ')})`, options);
    this.name = 'SequencerRevertError';
  }
}

interface EthersCallFailure {
  revert?: { name: string; args: readonly unknown[] } | null;
  data?: unknown;
  shortMessage?: string;
  message?: string;
}

/**
 * Turns whatever ethers threw into a readable Error: a SequencerRevertError
 * when the revert data decodes against the contract ABI, else the short
 * ethers message (network failure, nonce problem, ...), keeping the original
 * as `cause`.
 */
export function describeFailure(action: string, err: unknown, iface: Interface): Error {
  const e = (typeof err === 'object' && err !== null ? err : {}) as EthersCallFailure;
  if (e.revert)
    return new SequencerRevertError(action, e.revert.name, e.revert.args, {
      cause: err,
    });
  if (typeof e.data === 'string' && e.data.length >= 10) {
    try {
      const parsed = iface.parseError(e.data);
      if (parsed)
        return new SequencerRevertError(action, parsed.name, [...parsed.args], {
          cause: err,
        });
    } catch {
      // Not one of our errors: fall through to the generic message.
    }
  }
  const reason = e.shortMessage ?? e.message ?? String(err);
  return new Error(`Sequencer.${action} failed: ${reason}`, { cause: err });
}
