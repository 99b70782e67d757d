import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './webhook-signature.js';

describe('webhook signatures', () => {
  const body = '{"id":"e-1","sequence":1}';

  it('is the hex HMAC-SHA256 of the raw body under the secret', () => {
    const expected = createHmac('sha256', 'k').update(body).digest('hex');
    expect(signBody('k', body)).toBe(`sha256=${expected}`);
  });

  it('verifies the same bytes under the same secret only', () => {
    const header = signBody('k', body);
    expect(verifySignature('k', body, header)).toBe(true);
    expect(verifySignature('k', Buffer.from(body), header)).toBe(true);
    expect(verifySignature('other', body, header)).toBe(false);
    expect(verifySignature('k', `${body} `, header)).toBe(false);
    expect(verifySignature('k', body, undefined)).toBe(false);
    expect(verifySignature('k', body, 'sha256=00')).toBe(false);
  });
});
