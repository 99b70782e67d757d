/**
 * Runs `step` again and again: immediately while it reports work done, after
 * `idleMs` when it found nothing (a number, or asked after each step), or as
 * soon as `wake()` is called when another loop made work for it; after a
 * back-off when it threw.
 */
export function repeat(
  step: () => Promise<number>,
  idleMs: number | (() => number),
  onError: (err: unknown) => void,
): { stop(): Promise<void>; wake(): void } {
  let running = true;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  const loop = (async () => {
    let failures = 0;
    while (running) {
      let wait: number;
      woken = false;
      try {
        wait = (await step()) > 0 ? 0 : typeof idleMs === 'number' ? idleMs : idleMs();
        failures = 0;
      } catch (err) {
        onError(err);
        wait = Math.min(5_000, 200 * 2 ** failures++);
      }
      if (wait > 0 && !(woken && failures === 0)) await pause(wait);
    }
  })();
  return {
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
    wake() {
      woken = true;
      wakeUp?.();
    },
  };
}
