import { createHash } from 'node:crypto';

/** What an app may do at its member's gateway; `write` implies `read`. */
export type Scope = 'read' | 'write';

export const SCOPES: readonly Scope[] = ['read', 'write'];

/** One app's API key, as configured (APP_API_KEYS). */
export interface ApiKeyEntry {
  /** The app's name, in logs and on the principal. */
  name: string;
  scopes: Scope[];
  /** Hex SHA-256 of the key; the key itself is never stored. */
  sha256: string;
}

/** Parses `APP_API_KEYS` (a JSON array of {name, scopes, sha256}); throws on anything malformed. */
export function parseApiKeys(json: string, source: string): ApiKeyEntry[] {
  if (json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`${source} is not JSON: expected [{"name":..,"scopes":["read"],"sha256":..}]`);
  }
  if (!Array.isArray(raw)) throw new Error(`${source} must be a JSON array`);
  return raw.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e.name !== 'string' || e.name === '') throw new Error(`${source}[${i}].name must be a string`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(e.sha256))
      throw new Error(`${source}[${i}].sha256 must be the hex SHA-256 of the key`);
    const scopes = e.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s as Scope)))
      throw new Error(`${source}[${i}].scopes must list "read" and/or "write"`);
    return { name: e.name, scopes: scopes as Scope[], sha256: e.sha256.toLowerCase() };
  });
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
