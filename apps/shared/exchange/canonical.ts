import { createHash } from 'node:crypto';
import { keccak256, toUtf8Bytes } from 'ethers';

/**
 * JSON with object keys sorted at every level: the exact bytes a message is
 * hashed over, so every member computes the same hash for the same message.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** A body another member sent, read as `T`, or why it was refused (with the API's error code). */
export type CanonicalBody<T> =
  { ok: true; value: T } | { ok: false; code: 'malformed-message' | 'non-canonical-message'; message: string };

/**
 * Reads a body another member sent: JSON, of the shape `shapeProblem` accepts
 * (it names what is wrong, or returns undefined), and written in canonical
 * form, as the sender hashed it: any other form would not match its hash.
 */
export function parseCanonical<T>(
  body: string,
  shapeProblem: (value: unknown) => string | undefined,
): CanonicalBody<T> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, code: 'malformed-message', message: 'the message is not JSON' };
  }
  const problem = shapeProblem(value);
  if (problem !== undefined) return { ok: false, code: 'malformed-message', message: problem };
  if (canonicalJson(value) !== body)
    return { ok: false, code: 'non-canonical-message', message: 'the message is not in canonical JSON form' };
  return { ok: true, value: value as T };
}

/** ES2024's String.prototype.isWellFormed (Node 20 on), not yet in this project's lib. */
type WellFormed = string & { isWellFormed(): boolean };

/** True when this Node's OpenSSL has keccak-256 (3.2 on; Node 24 bundles 3.5) and it hashes as ethers does. */
const NATIVE_KECCAK = ((): boolean => {
  try {
    return `0x${createHash('keccak-256').digest('hex')}` === keccak256(new Uint8Array());
  } catch {
    return false;
  }
})();

/**
 * keccak-256 of the text's UTF-8 bytes, as `0x` + 64 hex digits (a message's
 * pin). OpenSSL's when this Node has it: ethers' JavaScript keccak, run twice
 * for every message a rebuild stores, cost the rebuild more than its database
 * writes. Text that is not well-formed UTF-16 goes to ethers, which refuses
 * it as it always did (Node would hash a replacement character instead).
 */
export function hashText(text: string): string {
  if (NATIVE_KECCAK && (text as WellFormed).isWellFormed())
    return `0x${createHash('keccak-256').update(text, 'utf8').digest('hex')}`;
  return keccak256(toUtf8Bytes(text));
}

/** The on-chain context of a process: reveals nothing but that pins share a process. */
export function processContext(processId: string): string {
  return hashText(`baton:process:${processId}`);
}
