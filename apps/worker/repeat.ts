/**
 * Runs `step` again and again: immediately while it reports work done, after
 * `idleMs` when it found nothing, after a back-off when it threw. `wake()`
 * cuts an idle wait short (another loop knows there is work); it does not
 * shorten a back-off.
 */
export function repeat(
  step: () => Promise<number>,
  idleMs: number,
  onError: (err: unknown) => void,
): { stop(): Promise<void>; wake(): void } {
  let running = true;
  let woken = false;
  let cutIdle: (() => void) | undefined;
  const loop = (async () => {
    let failures = 0;
    while (running) {
      let wait = idleMs;
      let idle = true;
      woken = false;
      try {
        if ((await step()) > 0) wait = 0;
        failures = 0;
      } catch (err) {
        onError(err);
        wait = Math.min(5_000, 200 * 2 ** failures++);
        idle = false;
      }
      // A wake that came while the step ran means work the step may have missed.
      if (wait > 0 && !(idle && woken))
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, wait);
          function done() {
            clearTimeout(timer);
            cutIdle = undefined;
            resolve();
          }
          if (idle) cutIdle = done;
        });
    }
  })();
  return {
    async stop() {
      running = false;
      cutIdle?.();
      await loop;
    },
    wake() {
      woken = true;
      cutIdle?.();
    },
  };
}
