import type { Wallet } from 'ethers';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
import { deliverToPeer } from '../../shared/exchange/peer-request.js';
import { signRequest } from '../../shared/exchange/signing.js';

/** Path on every gateway where other members deliver unpinned private messages. */
export const PRIVATE_MESSAGES_PATH = '/api/v1/network/private-messages';

/** Posts a note (canonical JSON) to a peer's gateway, signed like ledger messages; throws saying why it failed. */
export async function deliverNote(
  directory: MemberDirectory,
  wallet: Wallet,
  from: string,
  to: string,
  body: string,
  timeoutMs = 5_000,
): Promise<void> {
  const headers = { 'content-type': 'application/json', ...signRequest(wallet, from, body) };
  await deliverToPeer(directory, to, PRIVATE_MESSAGES_PATH, { headers, body, timeoutMs });
}
