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

export function hashText(text: string): string {
  return keccak256(toUtf8Bytes(text));
}

/** The on-chain context of a process: reveals nothing but that pins share a process. */
export function processContext(processId: string): string {
  return hashText(`baton:process:${processId}`);
}
