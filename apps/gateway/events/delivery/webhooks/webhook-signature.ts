import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." and
 * the raw body>` under the subscription's secret (Stripe's scheme). The
 * signed timestamp lets a receiver refuse a captured delivery sent again
 * later; within the tolerance, `x-baton-delivery` tells repeats apart.
 */
export const SIGNATURE_HEADER = 'x-baton-signature';

/** How far a signature's timestamp may be from the receiver's clock by default, in seconds. */
export const SIGNATURE_TOLERANCE_S = 300;

function hmac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body` sent at `nowMs`. */
export function signBody(secret: string, body: string | Buffer, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

/**
 * What a receiver does: read the timestamp, refuse it outside the
 * tolerance, recompute the HMAC over the raw bytes as received and compare
 * in constant time (any of several `v1` values may match).
 */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  header: string | undefined,
  { toleranceS = SIGNATURE_TOLERANCE_S, nowMs = Date.now() }: { toleranceS?: number; nowMs?: number } = {},
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t || !/^\d{1,12}$/.test(t) || Math.abs(nowMs / 1000 - Number(t)) > toleranceS) return false;
  const expected = Buffer.from(hmac(secret, Number(t), body));
  return parts.some(([k, v]) => {
    if (k !== 'v1' || v === undefined) return false;
    const given = Buffer.from(v);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
