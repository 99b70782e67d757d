import { sleep } from './stats.js';

interface Status {
  ledger?: { nextBlock: number; pins: Record<string, number> };
}

/**
 * Waits until nothing is in flight: every member read the chain past its
 * head and handed every pin to its workflow, or held it as asking nothing of
 * the workflow yet (none pending or projected), and
 * the head stayed where it was for `quietMs`. False when that did not happen
 * within `timeoutMs` (a process left running by a failed request, say).
 */
export async function waitUntilSettled(
  gateways: Record<string, string>,
  head: () => Promise<number>,
  { quietMs = 1_000, timeoutMs = 120_000 } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let settledAt: { head: number; at: number } | undefined;
  while (Date.now() < deadline) {
    const block = await head();
    const statuses = await Promise.all(Object.values(gateways).map(ledgerOf));
    const idle = statuses.every((l) => l && l.nextBlock > block && !l.pins.pending && !l.pins.projected);
    if (!idle || settledAt?.head !== block) settledAt = idle ? { head: block, at: Date.now() } : undefined;
    else if (Date.now() - settledAt.at >= quietMs) return true;
    await sleep(250);
  }
  return false;
}

async function ledgerOf(gateway: string): Promise<Status['ledger']> {
  try {
    const res = await fetch(`${gateway}/api/v1/status`, { signal: AbortSignal.timeout(3_000) });
    return ((await res.json()) as Status).ledger;
  } catch {
    return undefined;
  }
}
