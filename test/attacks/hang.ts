import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type { TwoMemberNetwork } from '../e2e/two-member-network.js';
import { expectStillServing } from './serving.js';

/**
 * The process id of the gateway listening on `port` (Linux /proc: its
 * command line and the PORT in its environment), undefined while none runs.
 */
function gatewayPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      const environ = `\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`;
      if (cmdline.includes('/gateway/main.js') && environ.includes(`\0PORT=${port}\0`)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/**
 * A gateway whose event loop hangs (issue 25, item 7): whatever froze it (a
 * filter that backtracks for ever, a synchronous loop), it answers nothing
 * more, and nothing restarted it. Here it is stopped with SIGSTOP, which
 * freezes it as a hung loop would, without a test hook in the gateway: the
 * launcher must notice the silence of its /healthz, kill it (SIGKILL reaches
 * a stopped process; SIGTERM would wait for it) and start it again: within
 * BATON_MEMBER_UNRESPONSIVE_MS (30 s) and a start; the bound of 120 s also
 * holds for a gateway that hangs before the launcher's first answer (twice
 * the 30 s from its start, apps/network/health-probe.spec.ts).
 */
export function hangAttacks(network: () => TwoMemberNetwork): void {
  describe('a gateway whose event loop hangs', () => {
    it('is killed and started again by the launcher within 120 s, and serves', async () => {
      const gateway = network().gateway('bob');
      const port = Number(new URL(gateway).port);
      const hung = gatewayPid(port);
      expect(hung, `no gateway process on port ${port}`).toBeDefined();
      // The launcher's probe (every 5 s) has seen it answer before it hangs: a gateway that served a while.
      await sleep(10_000);
      process.kill(hung!, 'SIGSTOP');
      try {
        await vi.waitFor(
          async () => {
            expect(gatewayPid(port), 'the hung gateway still runs').not.toBe(hung);
            const res = await fetch(`${gateway}/readyz`, { signal: AbortSignal.timeout(2_000) });
            expect(res.status, 'the new gateway is not ready').toBe(200);
          },
          { timeout: 120_000, interval: 1_000 },
        );
      } finally {
        // Without the launcher's probe the gateway is still stopped: let the next tests have it back.
        if (gatewayPid(port) === hung) process.kill(hung!, 'SIGCONT');
      }
      expect(network().log()).toMatch(
        new RegExp(
          `bob gateway \\(pid ${hung}\\) is not answering: no 200 from \\S+ for \\d+ s \\(.*\\); killing it \\(SIGKILL\\)`,
        ),
      );
      await expectStillServing(network());
    }, 300_000);
  });
}
