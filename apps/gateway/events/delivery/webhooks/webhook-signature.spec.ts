import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './webhook-signature.js';

describe('webhook signatures', () => {
  const body = '{"id":"e-1","sequence":1}';
  const sentAt = Date.UTC(2026, 0, 1, 12, 0, 0);
  const t = sentAt / 1000;

  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> under the secret', () => {
    const expected = createHmac('sha256', 'k').update(`${t}.${body}`).digest('hex');
    expect(signBody('k', body, sentAt)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies the same bytes under the same secret only', () => {
    const header = signBody('k', body);
    expect(verifySignature('k', body, header)).toBe(true);
    expect(verifySignature('k', Buffer.from(body), header)).toBe(true);
    expect(verifySignature('other', body, header)).toBe(false);
    expect(verifySignature('k', `${body} `, header)).toBe(false);
    expect(verifySignature('k', body, undefined)).toBe(false);
    expect(verifySignature('k', body, 'sha256=00')).toBe(false);
    expect(verifySignature('k', body, `t=${Math.floor(Date.now() / 1000)},v1=00`)).toBe(false);
  });

  it('refuses a captured delivery replayed outside the tolerance, or with its timestamp changed', () => {
    const header = signBody('k', body, sentAt);
    expect(verifySignature('k', body, header, { nowMs: sentAt + 299_000 })).toBe(true);
    expect(verifySignature('k', body, header, { nowMs: sentAt + 301_000 })).toBe(false);
    expect(verifySignature('k', body, header, { nowMs: sentAt - 301_000 })).toBe(false);
    expect(verifySignature('k', body, header, { nowMs: sentAt + 3_600_000, toleranceS: 7200 })).toBe(true);
    const moved = header.replace(`t=${t}`, `t=${t + 3600}`);
    expect(verifySignature('k', body, moved, { nowMs: sentAt + 3_600_000 })).toBe(false);
  });

  it('takes any of several v1 values, in any order', () => {
    const [stamp, v1] = signBody('k', body, sentAt).split(',');
    expect(verifySignature('k', body, `${v1},v1=${'0'.repeat(64)},${stamp}`, { nowMs: sentAt })).toBe(true);
  });
});
