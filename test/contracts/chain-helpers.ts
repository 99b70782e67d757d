import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonRpcProvider } from 'ethers';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import type { SequencerClient } from '../../apps/shared/chain/sequencer.js';

export { freePort } from '../../apps/network/ports.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

const tempDirs = new Set<string>();

/** A fresh directory under the system's temp folder, removed after the test file (test/support/temp-dirs.ts). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `baton-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** Removes the directories tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** A bytes32 hex value derived from a short label, for readable tests. */
export function b32(label: string | number): string {
  return '0x' + Buffer.from(String(label)).toString('hex').padEnd(64, '0').slice(0, 64);
}

/** Registers the demo members buyer, seller and bank (dev accounts 1 to 3), from the owner's client. */
export async function addDemoMembers(owner: SequencerClient): Promise<void> {
  for (const [i, name] of ['buyer', 'seller', 'bank'].entries())
    await owner.addMember(DEV_ACCOUNTS[i + 1].address, name, `http://localhost:${3001 + i}`);
}

/** The hashes of blocks 0 to `height`. */
export async function blockHashes(url: string, height: number): Promise<string[]> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const blocks = await Promise.all(Array.from({ length: height + 1 }, (_, n) => provider.getBlock(n)));
    return blocks.map((b) => b!.hash!);
  } finally {
    provider.destroy();
  }
}
