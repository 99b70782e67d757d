import { readdirSync, readFileSync } from 'node:fs';
import { NETWORK_MARK } from '../../apps/network/leftovers.js';
import type { Member } from './network-process.js';

export type Part = 'temporal' | 'chain-node' | `${Member}-worker` | `${Member}-gateway`;

/**
 * The process id of one part of the network the launcher runs on `dataDir`,
 * found as `stopLeftovers` finds them: by the network mark in its environment
 * (Linux /proc). Undefined while the part is down.
 */
export function partPid(dataDir: string, part: Part): number | undefined {
  const mark = `${NETWORK_MARK}=${dataDir}\0`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    let cmdline: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ');
    } catch {
      continue; // gone meanwhile
    }
    if (!environ.includes(mark)) continue;
    if (
      part === 'temporal'
        ? /\bstart-dev\b/.test(cmdline)
        : part === 'chain-node'
          ? /hardhat.* node\b/.test(cmdline)
          : false
    )
      return Number(entry);
    const [member, role] = part.split('-');
    if (`\0${environ}`.includes(`\0MEMBER_NAME=${member}\0`) && cmdline.includes(`/${role}/main.js`))
      return Number(entry);
  }
  return undefined;
}
