import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { hashApiKey, SCOPES, type ApiKeyEntry, type Scope } from '../../shared/app-keys.js';
import { shown } from '../../shared/shown.js';

export type { Scope } from '../../shared/app-keys.js';

export interface AppPrincipal {
  app: string;
  scopes: Scope[];
  via: 'api-key' | 'jwt';
}

export interface AppAuthSettings {
  apiKeys: ApiKeyEntry[];
  jwtSecret?: string;
  jwtPublicKey?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How apps prove who they are to their member's gateway: API keys (kept as
 * SHA-256 hashes only) or JWTs (HS256 with a shared secret, or RS256/ES256
 * with the issuer's public key). Each credential carries scopes; `write`
 * implies `read`.
 */
export class AppAuthenticator {
  private readonly keys: Map<string, ApiKeyEntry>;
  private readonly publicKey?: KeyObject;
  private readonly answered = new WeakMap<object, AppPrincipal | AuthError>();

  constructor(private readonly settings: AppAuthSettings) {
    this.keys = new Map(settings.apiKeys.map((k) => [k.sha256, k]));
    if (settings.jwtPublicKey) this.publicKey = createPublicKey(settings.jwtPublicKey);
  }

  get configured(): boolean {
    return this.keys.size > 0 || !!this.settings.jwtSecret || !!this.publicKey;
  }

  /**
   * The principal behind a credential: `Authorization: Bearer <api key or JWT>`,
   * `Authorization: Basic` (the password is an API key; FireFly's SDK sends
   * this), `X-API-Key`, or for WebSocket upgrades from browsers the
   * `access_token` query parameter.
   */
  authenticate(headers: Record<string, string | string[] | undefined>, url?: string): AppPrincipal {
    const credential = credentialFrom(headers, url);
    if (!credential) throw new AuthError(401, 'unauthenticated', 'an API key or a JWT is required');
    if (credential.split('.').length === 3) return this.verifyJwt(credential);
    const entry = this.keys.get(hashApiKey(credential));
    if (!entry) throw new AuthError(401, 'unauthenticated', 'unknown API key');
    return { app: entry.name, scopes: entry.scopes, via: 'api-key' };
  }

  /**
   * `authenticate` for one REST request, its answer (or refusal) kept with the
   * request: the rate limit and the auth guard both ask, and a JWT's
   * signature is checked once.
   */
  authenticateRequest(request: { headers: Record<string, string | string[] | undefined> }): AppPrincipal {
    let outcome = this.answered.get(request);
    if (!outcome) {
      try {
        outcome = this.authenticate(request.headers);
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        outcome = err;
      }
      this.answered.set(request, outcome);
    }
    if (outcome instanceof AuthError) throw outcome;
    return outcome;
  }

  private verifyJwt(token: string): AppPrincipal {
    const [h, p, s] = token.split('.');
    // Both parts must be JSON objects: `null`, a number or an array would
    // make the reads below throw a TypeError, a 500 on REST and, on /ws, an
    // exception outside any handler.
    const header = jsonObject(h);
    const claims = jsonObject(p);
    if (!header || !claims) throw new AuthError(401, 'invalid-token', 'the token is not a JWT');
    const signed = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const alg = header.alg;
    let valid = false;
    if (alg === 'HS256' && this.settings.jwtSecret) {
      const expected = createHmac('sha256', this.settings.jwtSecret).update(signed).digest();
      valid = expected.length === signature.length && timingSafeEqual(expected, signature);
    } else if ((alg === 'RS256' || alg === 'ES256') && this.publicKey) {
      valid = verify('sha256', signed, { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    } else {
      throw new AuthError(401, 'invalid-token', `tokens signed with ${shown(alg)} are not accepted here`);
    }
    if (!valid) throw new AuthError(401, 'invalid-token', 'the token signature does not verify');
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number') throw new AuthError(401, 'invalid-token', 'the token has no exp claim');
    if (claims.exp < now) throw new AuthError(401, 'token-expired', 'the token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf > now + 30)
      throw new AuthError(401, 'invalid-token', 'the token is not valid yet');
    if (this.settings.jwtIssuer && claims.iss !== this.settings.jwtIssuer)
      throw new AuthError(401, 'invalid-token', 'the token comes from another issuer');
    const aud = claims.aud;
    if (
      this.settings.jwtAudience &&
      !(aud === this.settings.jwtAudience || (Array.isArray(aud) && aud.includes(this.settings.jwtAudience)))
    )
      throw new AuthError(401, 'invalid-token', 'the token is meant for another audience');
    const listed = typeof claims.scope === 'string' ? claims.scope.split(' ') : claims.scopes;
    const scopes = Array.isArray(listed) ? SCOPES.filter((scope) => listed.includes(scope)) : [];
    if (scopes.length === 0) throw new AuthError(403, 'forbidden', 'the token grants neither read nor write');
    return { app: typeof claims.sub === 'string' ? claims.sub : 'jwt', scopes, via: 'jwt' };
  }
}

/** The base64url JSON object `part` holds, or undefined when it holds anything else. */
function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString());
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Write implies read. */
export function requireScope(principal: AppPrincipal, scope: Scope): void {
  if (principal.scopes.includes(scope) || principal.scopes.includes('write')) return;
  throw new AuthError(403, 'forbidden', `app "${principal.app}" may not ${scope === 'write' ? 'change' : 'read'} here`);
}

/**
 * Taking another app's deliveries away from it (attaching to, acking or
 * nacking its durable subscription) changes state: it needs write scope,
 * unless the app is the one that created the thing (`owner`, its app name).
 */
export function requireWriteOrOwner(principal: AppPrincipal, owner: string | null, what: string): void {
  if (principal.scopes.includes('write') || (owner !== null && owner === principal.app)) return;
  throw new AuthError(
    403,
    'forbidden',
    `app "${principal.app}" may not take the deliveries of ${what}: it needs write scope or to own it`,
  );
}

function credentialFrom(headers: Record<string, string | string[] | undefined>, url?: string): string | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const authorization = first(headers.authorization);
  if (authorization) {
    const [kind, value = ''] = authorization.split(' ', 2);
    if (/^bearer$/i.test(kind)) return value.trim() || undefined;
    if (/^basic$/i.test(kind)) {
      const decoded = Buffer.from(value, 'base64').toString();
      const password = decoded.slice(decoded.indexOf(':') + 1);
      return password || undefined;
    }
  }
  const apiKey = first(headers['x-api-key']);
  if (apiKey) return apiKey.trim();
  if (url) {
    const token = new URL(url, 'http://gateway').searchParams.get('access_token');
    if (token) return token;
  }
  return undefined;
}
