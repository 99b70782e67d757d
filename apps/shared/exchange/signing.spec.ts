import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  MAX_CLOCK_SKEW_MS,
  MEMBER_HEADER,
  memberSignatureOf,
  PUBLIC_KEY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  recoverSigner,
  signRequest,
} from './signing.js';

// Hardhat's first two development accounts: well-known keys, never used for value.
const wallet = new Wallet('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const other = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const body = JSON.stringify({ kind: 'step-outcome', processId: 'p-1', step: 'ship' });

const signed = (text = body, now?: number) => memberSignatureOf(signRequest(wallet, 'alice', text, now));

describe('request signing', () => {
  it('names the member, the time and the public key, and the receiver gets the registered address back', () => {
    const headers = signRequest(wallet, 'alice', body);
    expect(headers[MEMBER_HEADER]).toBe('alice');
    expect(Number(headers[TIMESTAMP_HEADER])).toBeGreaterThan(0);
    expect(headers[PUBLIC_KEY_HEADER]).toBe(wallet.signingKey.publicKey);
    expect(headers[SIGNATURE_HEADER]).toMatch(/^0x[0-9a-f]{128}$/);
    expect(recoverSigner(memberSignatureOf(headers), body)).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });

  it('refuses a tampered body or timestamp', () => {
    const s = signed();
    expect(() => recoverSigner(s, body.replace('ship', 'shop'))).toThrow('the signature does not match the request');
    const shifted = { ...s, timestamp: String(Number(s.timestamp) + 1) };
    expect(() => recoverSigner(shifted, body)).toThrow('the signature does not match the request');
  });

  it("refuses another key's public key beside the signature, and names whose key it is when both agree", () => {
    const s = signed();
    expect(() => recoverSigner({ ...s, publicKey: other.signingKey.publicKey }, body)).toThrow(
      'the signature does not match the request',
    );
    // Signed by another key with its own public key: valid, and it says whose it is (the registry decides).
    const theirs = memberSignatureOf(signRequest(other, 'alice', body));
    expect(recoverSigner(theirs, body)).toBe(other.address);
  });

  it('accepts a timestamp within the allowed clock skew', () => {
    const s = signed();
    expect(recoverSigner(s, body, Number(s.timestamp) + MAX_CLOCK_SKEW_MS)).toBe(wallet.address);
  });

  it('rejects stale, future and missing timestamps', () => {
    const s = signed();
    const at = Number(s.timestamp);
    const tooFar = 'request timestamp missing or too far from now';
    expect(() => recoverSigner(s, body, at + MAX_CLOCK_SKEW_MS + 1)).toThrow(tooFar);
    expect(() => recoverSigner(s, body, at - MAX_CLOCK_SKEW_MS - 1)).toThrow(tooFar);
    expect(() => recoverSigner({ ...s, timestamp: 'not-a-number' }, body, at)).toThrow(tooFar);
    expect(() => recoverSigner({ ...s, timestamp: undefined }, body, at)).toThrow(tooFar);
    const old = signed(body, Date.now() - 10 * 60_000);
    expect(() => recoverSigner(old, body)).toThrow(tooFar);
  });

  it('rejects a malformed signature or public key', () => {
    const s = signed();
    expect(() => recoverSigner({ ...s, signature: '0x1234' }, body)).toThrow('malformed signature');
    expect(() => recoverSigner({ ...s, publicKey: '0x04abcd' }, body)).toThrow('malformed public key');
    // The right length, but not a point on the curve.
    expect(() => recoverSigner({ ...s, publicKey: `0x04${'11'.repeat(64)}` }, body)).toThrow('malformed public key');
  });

  it('still takes the Ethereum personal signatures of members from before the native signatures', async () => {
    const timestamp = String(Date.now());
    const signature = await wallet.signMessage(`baton-exchange\n${timestamp}\n${body}`);
    expect(recoverSigner({ timestamp, signature }, body)).toBe(wallet.address);
    // Tampered: some other account, which the registry does not know.
    expect(recoverSigner({ timestamp, signature }, body.replace('ship', 'shop'))).not.toBe(wallet.address);
    expect(() => recoverSigner({ timestamp, signature: '0x1234' }, body)).toThrow('malformed signature');
  });
});
