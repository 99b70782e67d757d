import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes one JSON object a line with time, level, member, component, msg and fields', () => {
    const { lines, stream } = capture();
    createLogger('worker', 'buyer', 'info', stream).info('pinned batch', { batch: 3, pins: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      member: 'buyer',
      component: 'worker',
      msg: 'pinned batch',
      batch: 3,
      pins: 2,
    });
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('child loggers carry their context on every line, and nest', () => {
    const { lines, stream } = capture();
    const log = createLogger('worker', 'seller', 'debug', stream).child({ processId: 'p-1' });
    log.info('step started', { step: 'ship' });
    log.child({ pin: 7 }).warn('delivery ignored');
    expect(lines[0]).toMatchObject({ processId: 'p-1', step: 'ship', member: 'seller', msg: 'step started' });
    expect(lines[1]).toMatchObject({ processId: 'p-1', pin: 7, level: 'warn', msg: 'delivery ignored' });
  });

  it('drops lines below the level; an unknown level means info', () => {
    const { lines, stream } = capture();
    const log = createLogger('gateway', 'bank', 'warn', stream);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    const other = capture();
    const fallback = createLogger('gateway', 'bank', 'verbose', other.stream);
    fallback.debug('d');
    fallback.info('i');
    expect(other.lines.map((l) => l.msg)).toEqual(['i']);
  });
});
