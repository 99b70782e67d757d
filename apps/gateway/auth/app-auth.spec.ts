import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashApiKey, parseApiKeys } from '../../shared/app-keys.js';
import { AppAuthenticator, AuthError, requireScope, requireWriteOrOwner } from './app-auth.js';

const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: object, secret: string, header: object = { alg: 'HS256' }): string {
  const unsigned = `${part(header)}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function failure(fn: () => unknown): { status: number; code: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuthError) return { status: err.status, code: err.code };
    throw err;
  }
  throw new Error('expected an AuthError');
}

describe('app authentication', () => {
  const keys = parseApiKeys(
    JSON.stringify([
      { name: 'erp', scopes: ['read', 'write'], sha256: hashApiKey('erp-key') },
      { name: 'report', scopes: ['read'], sha256: hashApiKey('report-key') },
    ]),
    'APP_API_KEYS',
  );
  const auth = new AppAuthenticator({ apiKeys: keys, jwtSecret: 's3cret', jwtIssuer: 'idp', jwtAudience: 'baton' });

  it('finds the app behind an API key in every accepted header, and the query for WebSocket upgrades', () => {
    const basic = `Basic ${Buffer.from('anyone:report-key').toString('base64')}`;
    expect(auth.authenticate({ authorization: 'Bearer erp-key' })).toEqual({
      app: 'erp',
      scopes: ['read', 'write'],
      via: 'api-key',
    });
    expect(auth.authenticate({ authorization: basic }).app).toBe('report');
    expect(auth.authenticate({ 'x-api-key': 'report-key' }).app).toBe('report');
    expect(auth.authenticate({}, '/ws?access_token=erp-key&ephemeral').app).toBe('erp');
    expect(failure(() => auth.authenticate({}))).toEqual({ status: 401, code: 'unauthenticated' });
    expect(failure(() => auth.authenticate({ authorization: 'Bearer nope' }))).toEqual({
      status: 401,
      code: 'unauthenticated',
    });
  });

  it('grants read to write scopes, never write to read ones', () => {
    const report = auth.authenticate({ 'x-api-key': 'report-key' });
    expect(() => requireScope(report, 'read')).not.toThrow();
    expect(failure(() => requireScope(report, 'write'))).toEqual({ status: 403, code: 'forbidden' });
    expect(() => requireScope({ app: 'w', scopes: ['write'], via: 'jwt' }, 'read')).not.toThrow();
  });

  it("lets write scope, or the owner with read scope, take a subscription's deliveries", () => {
    const reader = { app: 'report', scopes: ['read' as const], via: 'api-key' as const };
    expect(() => requireWriteOrOwner({ ...reader, scopes: ['write'] }, 'erp', 'subscription "s"')).not.toThrow();
    expect(() => requireWriteOrOwner(reader, 'report', 'subscription "s"')).not.toThrow();
    expect(failure(() => requireWriteOrOwner(reader, 'erp', 'subscription "s"'))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    // A subscription from before owners were recorded (or made with APP_AUTH off) has none: write scope only.
    expect(failure(() => requireWriteOrOwner(reader, null, 'subscription "s"')).status).toBe(403);
  });

  it('checks HS256 signatures, expiry, issuer, audience and scopes', () => {
    const claims = { sub: 'portal', iss: 'idp', aud: 'baton', scope: 'read', exp: now() + 60 };
    expect(auth.authenticate({ authorization: `Bearer ${hs256(claims, 's3cret')}` })).toEqual({
      app: 'portal',
      scopes: ['read'],
      via: 'jwt',
    });
    const bad: [object, string, string, object?][] = [
      [claims, 'other', 'invalid-token'],
      [{ ...claims, exp: now() - 1 }, 's3cret', 'token-expired'],
      [{ ...claims, exp: undefined }, 's3cret', 'invalid-token'],
      [{ ...claims, iss: 'evil' }, 's3cret', 'invalid-token'],
      [{ ...claims, aud: ['other'] }, 's3cret', 'invalid-token'],
      [{ ...claims, nbf: now() + 3600 }, 's3cret', 'invalid-token'],
      [claims, 's3cret', 'invalid-token', { alg: 'none' }],
    ];
    for (const [c, secret, code, header] of bad)
      expect(failure(() => auth.authenticate({ authorization: `Bearer ${hs256(c, secret, header)}` })).code).toBe(code);
    expect(
      failure(() => auth.authenticate({ authorization: `Bearer ${hs256({ ...claims, scope: 'admin' }, 's3cret')}` })),
    ).toEqual({ status: 403, code: 'forbidden' });
    expect(failure(() => auth.authenticate({ authorization: 'Bearer a.b.c' })).code).toBe('invalid-token');
  });

  it('answers 401 to a token whose header or claims are JSON but not an object', () => {
    // `bnVsbA` is base64url for `null`: it once threw a TypeError, a 500 on REST and a crash on /ws.
    for (const token of ['bnVsbA.e30.x', `${part({ alg: 'HS256' })}.bnVsbA.x`, 'WzFd.e30.x', 'MQ.e30.x', 'InMi.e30.x'])
      expect(failure(() => auth.authenticate({ authorization: `Bearer ${token}` }))).toEqual({
        status: 401,
        code: 'invalid-token',
      });
    expect(failure(() => auth.authenticate({}, '/ws?access_token=bnVsbA.e30.x')).status).toBe(401);
  });

  it('checks RS256 and ES256 tokens against the issuer public key', () => {
    for (const [alg, type] of [
      ['RS256', 'rsa'],
      ['ES256', 'ec'],
    ] as const) {
      const { privateKey, publicKey } =
        type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const verifier = new AppAuthenticator({
        apiKeys: [],
        jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      });
      const unsigned = `${part({ alg })}.${part({ sub: 'svc', scopes: ['write'], exp: now() + 60 })}`;
      const signature = sign('sha256', Buffer.from(unsigned), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const token = `${unsigned}.${signature.toString('base64url')}`;
      expect(verifier.authenticate({ authorization: `Bearer ${token}` }).scopes).toEqual(['write']);
      const forged = `${unsigned.replace(/\.[^.]*$/, `.${part({ sub: 'svc', scopes: ['write'], exp: now() + 9e6 })}`)}.${signature.toString('base64url')}`;
      expect(failure(() => verifier.authenticate({ authorization: `Bearer ${forged}` })).code).toBe('invalid-token');
      // An HS256 token is refused where only a public key is configured (no algorithm confusion).
      expect(
        failure(() => verifier.authenticate({ authorization: `Bearer ${hs256({ exp: now() + 60 }, 'x')}` })).code,
      ).toBe('invalid-token');
    }
  });

  it('refuses malformed key lists with the reason', () => {
    expect(() => parseApiKeys('{', 'APP_API_KEYS')).toThrow(/not JSON/);
    expect(() => parseApiKeys('[{"name":"a","scopes":["admin"],"sha256":"' + 'a'.repeat(64) + '"}]', 'K')).toThrow(
      /scopes/,
    );
    expect(() => parseApiKeys('[{"name":"a","scopes":["read"],"sha256":"short"}]', 'K')).toThrow(/sha256/);
    expect(parseApiKeys('', 'K')).toEqual([]);
  });
});
