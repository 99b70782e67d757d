import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InterfaceAbi } from 'ethers';

export interface SequencerArtifact {
  abi: InterfaceAbi;
  bytecode: string;
}

/**
 * The repository root: the nearest ancestor holding package.json. Walking up
 * (rather than a fixed "../../..") makes this work both from the .ts source
 * (apps/shared/chain) and from the build (dist/apps/shared/chain).
 */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json found above ${from}`);
    dir = parent;
  }
  return dir;
}

let cached: SequencerArtifact | undefined;

/** Loads the Hardhat artifact once; it is produced by `npm run build`. */
export function loadSequencerArtifact(): SequencerArtifact {
  if (cached) return cached;
  const file = join(findRepoRoot(), 'artifacts', 'contracts', 'Sequencer.sol', 'Sequencer.json');
  if (!existsSync(file)) {
    throw new Error(`Sequencer artifact not found at ${file}: run "npm run build" (or "npx hardhat build") first`);
  }
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    abi?: InterfaceAbi;
    bytecode?: string;
  };
  if (!json.abi || !json.bytecode) throw new Error(`Sequencer artifact ${file} has no abi or bytecode`);
  cached = { abi: json.abi, bytecode: json.bytecode };
  return cached;
}
