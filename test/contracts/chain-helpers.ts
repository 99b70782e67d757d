import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A port that was free a moment ago (bind port 0, read it, release it). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

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
