import type { Wallet } from 'ethers';
import type { MemberDirectory } from '../../shared/chain/member-directory.js';
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
  const peer = await directory.byName(to);
  if (!peer) throw new Error(`member ${to} is not registered in the Sequencer`);
  const headers = signRequest(wallet, from, body);
  let response: Response;
  try {
    response = await fetch(`${peer.endpoint.replace(/\/$/, '')}${PRIVATE_MESSAGES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new Error(`member ${to} unreachable at ${peer.endpoint}: ${(err as Error).message}`);
  }
  if (!response.ok) throw new Error(`member ${to} refused the message: ${response.status} ${await response.text()}`);
}
