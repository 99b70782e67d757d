import type { MemberDirectory } from '../chain/member-directory.js';

export interface PeerPost {
  headers: Record<string, string>;
  body: string | Uint8Array;
  timeoutMs: number;
}

/**
 * POSTs to `path` on a member's gateway, found by name in the registry, and
 * answers its response whatever the status; throws saying why when the member
 * is not registered or its gateway could not be reached in time.
 */
export async function postToPeer(
  directory: MemberDirectory,
  to: string,
  path: string,
  post: PeerPost,
): Promise<Response> {
  const peer = await directory.byName(to);
  if (!peer) throw new Error(`member ${to} is not registered in the Sequencer`);
  try {
    return await fetch(`${peer.endpoint.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: post.headers,
      body: post.body,
      signal: AbortSignal.timeout(post.timeoutMs),
    });
  } catch (err) {
    throw new Error(`member ${to} unreachable at ${peer.endpoint}: ${(err as Error).message}`);
  }
}

/** postToPeer that also throws unless the member took it (2xx); `what` names what it refused. */
export async function deliverToPeer(
  directory: MemberDirectory,
  to: string,
  path: string,
  post: PeerPost,
  what = 'the message',
): Promise<void> {
  const response = await postToPeer(directory, to, path, post);
  if (!response.ok) throw new Error(`member ${to} refused ${what}: ${response.status} ${await response.text()}`);
}
