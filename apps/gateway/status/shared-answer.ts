/**
 * One answer for a crowd of callers: the first runs `compute`, those who come
 * while it runs wait for the same run, and its answer is given again for
 * `reuseMs` after it ended. A flood of callers then costs one run per
 * `reuseMs`, however many they are. A run that failed is not reused.
 * With `reuseMs` 0 every call runs `compute`.
 */
export class SharedAnswer<T> {
  private last?: { answer: Promise<T>; endedAt?: number };

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly reuseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.reuseMs === 0) return this.compute();
    const last = this.last;
    if (last && (last.endedAt === undefined || this.now() - last.endedAt < this.reuseMs)) return last.answer;
    const run: { answer: Promise<T>; endedAt?: number } = { answer: this.compute() };
    this.last = run;
    run.answer.then(
      () => (run.endedAt = this.now()),
      () => (run.endedAt = -Infinity),
    );
    return run.answer;
  }
}
