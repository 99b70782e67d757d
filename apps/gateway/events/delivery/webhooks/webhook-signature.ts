import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body>` under the subscription's secret. */
export const SIGNATURE_HEADER = 'x-baton-signature';

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute over the raw bytes and compare in constant time. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
