import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTrade, WRITER, type TwoMember, type TwoMemberNetwork } from '../e2e/two-member-network.js';
import { fire, NS, shot } from './fuzz-requests.js';
import { expectStillServing } from './serving.js';

/**
 * Handler-level fuzzing (issue 25): generated requests, with generated
 * bodies, headers, credentials and path parameters, sent to the running
 * gateways of the two-member example. Whatever comes, the answer is a 2xx
 * or a 4xx with the JSON error body (a 429 included), never a 5xx, a reset
 * connection or a timeout, and afterwards both gateways still serve honest
 * work. Bounded: RUNS requests (BATON_FUZZ_RUNS for a longer hunt),
 * stopped after TIME_LIMIT_MS. The requests are made in fuzz-requests.ts.
 */
const RUNS = Number(process.env.BATON_FUZZ_RUNS ?? 200);
const TIME_LIMIT_MS = 90_000;

/** Subscriptions at a member now, by name: those the fuzzer adds are deleted afterwards. */
async function subscriptionNames(network: TwoMemberNetwork, member: TwoMember): Promise<Map<string, string>> {
  const res = await fetch(`${network.gateway(member)}/api/v1/namespaces/${NS}/subscriptions?limit=1000`, {
    headers: bearer(WRITER[member]),
  });
  const subs = (await res.json()) as { id: string; name: string }[];
  return new Map(subs.map((s) => [s.id, s.name]));
}

export function fuzzAttacks(network: () => TwoMemberNetwork): void {
  describe('generated requests (fast-check) at every route', () => {
    const before = new Map<TwoMember, Map<string, string>>();
    let processId = '';
    beforeAll(async () => {
      processId = await startTrade(network());
      for (const m of ['alice', 'bob'] as const) before.set(m, await subscriptionNames(network(), m));
    });
    afterAll(async () => {
      for (const m of ['alice', 'bob'] as const)
        for (const id of (await subscriptionNames(network(), m)).keys())
          if (!before.get(m)!.has(id))
            await fetch(`${network().gateway(m)}/api/v1/namespaces/${NS}/subscriptions/${id}`, {
              method: 'DELETE',
              headers: bearer(WRITER[m]),
            });
    });

    it('answers every one 2xx or 4xx with a JSON error, never 5xx, never a dead or frozen gateway', async () => {
      const statuses: number[] = [];
      await fc.assert(
        fc.asyncProperty(shot, async (s) => {
          const { status, text, type } = await fire(network(), s, processId);
          const what = `${s.method} ${s.path} -> ${status} ${text.slice(0, 300)}`;
          statuses.push(status);
          expect(status, what).toBeLessThan(500);
          if (status >= 400 && s.method !== 'HEAD') {
            expect(type, what).toMatch(/^application\/json/);
            const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
            expect(typeof error?.code, what).toBe('string');
            expect(typeof error?.message, what).toBe('string');
          }
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
      );
      // Requests reached the handlers (some served), not only the guards.
      expect(statuses.filter((st) => st < 300).length).toBeGreaterThan(statuses.length / 20);
      await expectStillServing(network());
    }, 300_000);
  });
}
