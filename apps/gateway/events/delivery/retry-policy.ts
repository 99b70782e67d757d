/** How often and how late a refused event is offered again (FireFly's `retry` option shape). */
export interface RetryPolicy {
  /** Attempts in all, the first included; after the last refusal the event is dead-lettered. */
  count: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export const DEFAULT_RETRY: RetryPolicy = { count: 5, initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2 };

/** The wait before attempt `attempts + 1`, after `attempts` refusals (1 or more). */
export function retryDelay(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempts - 1));
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration as milliseconds (a number) or FireFly's strings: `250ms`, `5s`, `2m`, `1h`. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
}
