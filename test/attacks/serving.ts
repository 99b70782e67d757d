import { expect } from 'vitest';
import { bearer, startTrade, WRITER, type TwoMember, type TwoMemberNetwork } from '../e2e/two-member-network.js';

const MEMBERS: TwoMember[] = ['alice', 'bob'];

/**
 * What every attack test checks afterwards: both gateways still answer
 * (a frozen event loop would time out here), the launcher is still up (a
 * gateway that died and kept failing would have stopped it), and a trade
 * started now still completes at both members with the same digest: nothing
 * the attack did got in the way of honest work.
 */
export async function expectStillServing(network: TwoMemberNetwork, timeoutMs = 90_000): Promise<void> {
  expect(network.exited, network.log()).toBe(false);
  for (const member of MEMBERS) {
    const res = await fetch(`${network.gateway(member)}/api/v1/status`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status, `${member} /api/v1/status`).toBeLessThan(500);
  }
  const id = await startTrade(network);
  const deadline = Date.now() + timeoutMs;
  let views: ({ status: string; digest: string } | undefined)[] = [];
  while (Date.now() < deadline) {
    views = await Promise.all(
      MEMBERS.map(async (m) => {
        const res = await fetch(`${network.gateway(m)}/api/v1/processes/${id}`, { headers: bearer(WRITER[m]) });
        return res.status === 200 ? ((await res.json()) as { status: string; digest: string }) : undefined;
      }),
    );
    if (views.every((v) => v?.status === 'completed')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(views.map((v) => v?.status)).toEqual(['completed', 'completed']);
  expect(views[0]!.digest).toBe(views[1]!.digest);
}

/** The body of an error answer: `{ error: { code, message } }`, as every gateway error is. */
export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error?: { code: string; message: string } };
  expect(body.error, JSON.stringify(body)).toBeDefined();
  return body.error!;
}
