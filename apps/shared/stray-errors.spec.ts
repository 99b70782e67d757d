import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * In a process of its own (vitest takes stray errors in its workers as test
 * failures): Node strips the module's types, and the script throws outside
 * any handler and rejects a promise nobody awaits.
 */
function runWith(install: boolean): { status: number | null; lines: { msg: string; error: string }[] } {
  const module = fileURLToPath(new URL('./stray-errors.ts', import.meta.url));
  const script = `
    const { logStrayErrors } = await import(${JSON.stringify(module)});
    const write = (msg, fields) => console.log(JSON.stringify({ msg, ...fields }));
    const log = { error: write, warn: write, info: write, debug: write, child: () => log, enabled: () => true };
    if (${install}) logStrayErrors(log);
    setTimeout(() => { throw new Error('thrown in a timer'); }, 10);
    setTimeout(() => void Promise.reject(new Error('rejected, never awaited')), 20);
    setTimeout(() => console.log(JSON.stringify({ msg: 'still here', error: '' })), 100);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const lines = child.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; error: string });
  return { status: child.status, lines };
}

describe('logStrayErrors', () => {
  it('logs an uncaught exception and an unhandled rejection, and the process goes on', () => {
    const { status, lines } = runWith(true);
    expect(lines.map((l) => l.msg)).toEqual([
      'uncaught exception; the process goes on',
      'unhandled promise rejection; the process goes on',
      'still here',
    ]);
    expect(lines[0].error).toContain('thrown in a timer');
    expect(lines[1].error).toContain('rejected, never awaited');
    expect(status).toBe(0);
  });

  it('is what keeps the process alive: without it the first one stops it', () => {
    const { status, lines } = runWith(false);
    expect(lines).toEqual([]);
    expect(status).toBe(1);
  });
});
