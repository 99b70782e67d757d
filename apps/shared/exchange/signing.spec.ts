import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  MAX_CLOCK_SKEW_MS,
  MEMBER_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  recoverSigner,
  signRequest,
} from './signing.js';

// Hardhat's first development account: a well-known key, never used for value.
const wallet = new Wallet('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const body = JSON.stringify({ kind: 'step-outcome', processId: 'p-1', step: 'ship' });

describe('request signing', () => {
  it('recovers the address of the wallet that signed the request', async () => {
    const headers = await signRequest(wallet, 'alice', body);
    expect(headers[MEMBER_HEADER]).toBe('alice');
    expect(Number(headers[TIMESTAMP_HEADER])).toBeGreaterThan(0);
    const signer = recoverSigner(headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], body);
    expect(signer).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(signer).toBe(wallet.address);
  });

  it('recovers a different address when the body was tampered with', async () => {
    const headers = await signRequest(wallet, 'alice', body);
    const signer = recoverSigner(headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], body.replace('ship', 'shop'));
    expect(signer).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(signer).not.toBe(wallet.address);
  });

  it('recovers a different address when the timestamp was changed', async () => {
    const headers = await signRequest(wallet, 'alice', body);
    const shifted = String(Number(headers[TIMESTAMP_HEADER]) + 1);
    expect(recoverSigner(shifted, headers[SIGNATURE_HEADER], body)).not.toBe(wallet.address);
  });

  it('accepts a timestamp within the allowed clock skew', async () => {
    const headers = await signRequest(wallet, 'alice', body);
    const at = Number(headers[TIMESTAMP_HEADER]);
    expect(recoverSigner(headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], body, at + MAX_CLOCK_SKEW_MS)).toBe(
      wallet.address,
    );
  });

  it('rejects stale, future and missing timestamps', async () => {
    const headers = await signRequest(wallet, 'alice', body);
    const at = Number(headers[TIMESTAMP_HEADER]);
    const signature = headers[SIGNATURE_HEADER];
    const timestamp = headers[TIMESTAMP_HEADER];
    expect(() => recoverSigner(timestamp, signature, body, at + MAX_CLOCK_SKEW_MS + 1)).toThrow(
      'request timestamp missing or too far from now',
    );
    expect(() => recoverSigner(timestamp, signature, body, at - MAX_CLOCK_SKEW_MS - 1)).toThrow(
      'request timestamp missing or too far from now',
    );
    expect(() => recoverSigner('not-a-number', signature, body, at)).toThrow('request timestamp missing');
  });

  it('rejects a malformed signature', () => {
    const now = Date.now();
    expect(() => recoverSigner(String(now), '0x1234', body, now)).toThrow('malformed signature');
  });
});
