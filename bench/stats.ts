/** Percentile by nearest rank over a copy of `values`; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(values: number[]): LatencySummary {
  const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : NaN);
  return {
    count: values.length,
    p50Ms: round(percentile(values, 50)),
    p95Ms: round(percentile(values, 95)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(values.length ? Math.max(...values) : NaN),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
