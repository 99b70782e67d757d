import { verifyMessage, type Wallet } from 'ethers';

/** Headers a member puts on every member-to-member request. */
export const MEMBER_HEADER = 'x-baton-member';
export const TIMESTAMP_HEADER = 'x-baton-timestamp';
export const SIGNATURE_HEADER = 'x-baton-signature';

/** How far a request's timestamp may be from the receiver's clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function signedText(timestamp: string, body: string): string {
  return `baton-exchange\n${timestamp}\n${body}`;
}

export async function signRequest(wallet: Wallet, member: string, body: string): Promise<Record<string, string>> {
  const timestamp = String(Date.now());
  return {
    [MEMBER_HEADER]: member,
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: await wallet.signMessage(signedText(timestamp, body)),
  };
}

/** The account that signed the request, or an error saying why it can't be trusted. */
export function recoverSigner(timestamp: string, signature: string, body: string, now = Date.now()): string {
  const at = Number(timestamp);
  if (!Number.isFinite(at) || Math.abs(now - at) > MAX_CLOCK_SKEW_MS)
    throw new Error('request timestamp missing or too far from now');
  try {
    return verifyMessage(signedText(timestamp, body), signature);
  } catch {
    throw new Error('malformed signature');
  }
}
