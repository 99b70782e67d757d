import { describe, expect, it } from 'vitest';
import { repeat } from './repeat.js';

/** Waits until `done()` (far less than the loops' one-minute idle time), or fails. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(done()).toBe(true);
}

describe('repeat', () => {
  it('runs again at once when woken while idle, instead of waiting out its idle time', async () => {
    let runs = 0;
    const loop = repeat(
      () => Promise.resolve((runs++, 0)),
      60_000,
      () => {},
    );
    await until(() => runs === 1);
    loop.wake();
    await until(() => runs === 2);
    await loop.stop();
  });

  it('runs again at once when woken while a step was running', async () => {
    let runs = 0;
    let release: (() => void) | undefined;
    const loop = repeat(
      () => {
        runs++;
        return runs === 1 ? new Promise<number>((r) => (release = () => r(0))) : Promise.resolve(0);
      },
      60_000,
      () => {},
    );
    await until(() => release !== undefined);
    loop.wake(); // work arrived while the first step ran: it must not sleep after it
    release!();
    await until(() => runs === 2);
    await loop.stop();
  });

  it('stops without waiting out its idle time', async () => {
    let runs = 0;
    const loop = repeat(
      () => Promise.resolve((runs++, 0)),
      60_000,
      () => {},
    );
    await until(() => runs === 1);
    await loop.stop();
    expect(runs).toBe(1);
  });

  it('asks for its idle time after each step that found nothing', async () => {
    let runs = 0;
    const asked: number[] = [];
    const loop = repeat(
      () => Promise.resolve((runs++, 0)),
      () => (asked.push(runs), runs < 3 ? 1 : 60_000),
      () => {},
    );
    await until(() => runs === 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toEqual([1, 2, 3]); // asked after each of the three steps; the third one sleeps a minute
    await loop.stop();
  });
});
