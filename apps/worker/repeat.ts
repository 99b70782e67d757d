/**
 * Runs `step` again and again: immediately while it reports work done, after
 * `idleMs` when it found nothing, after a back-off when it threw.
 */
export function repeat(
  step: () => Promise<number>,
  idleMs: number,
  onError: (err: unknown) => void,
): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    let failures = 0;
    while (running) {
      let wait = idleMs;
      try {
        if ((await step()) > 0) wait = 0;
        failures = 0;
      } catch (err) {
        onError(err);
        wait = Math.min(5_000, 200 * 2 ** failures++);
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
