import { describe, expect, it } from 'vitest';
import {
  closeReason,
  FrameError,
  frameObject,
  frameType,
  parseFrame,
  startFromQuery,
  type StartFrame,
} from './ws-frames.js';

function start(frame: Record<string, unknown>): StartFrame {
  const parsed = parseFrame(JSON.stringify({ type: 'start', ...frame }));
  if (parsed.type !== 'start') throw new Error(`expected a start frame, got ${parsed.type}`);
  return parsed.start;
}

function frameError(raw: string): string {
  try {
    parseFrame(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
    return (err as FrameError).message;
  }
  throw new Error(`parseFrame accepted ${raw}`);
}

describe('parseFrame', () => {
  it('parses a start frame with filters and options', () => {
    const parsed = start({
      namespace: 'trade-net',
      name: 'my-sub',
      autoack: true,
      filter: { events: '^step-', topic: 'trade-settlement', reference: 'p-1' },
      options: { firstEvent: 'oldest' },
    });
    expect(parsed).toMatchObject({
      namespace: 'trade-net',
      name: 'my-sub',
      ephemeral: false,
      autoack: true,
      firstEvent: 'oldest',
    });
    expect(parsed.filter.events?.source).toBe('^step-');
    expect(parsed.filter.events?.test('step-done')).toBe(true);
    expect(parsed.filter.events?.test('process-started')).toBe(false);
    expect(parsed.filter.topic?.source).toBe('trade-settlement');
    expect(parsed.filter.reference?.source).toBe('p-1');
  });

  it('fills defaults for a bare start frame, whatever the case of its type', () => {
    const parsed = parseFrame('{"type":"START"}');
    expect(parsed).toEqual({
      type: 'start',
      start: {
        namespace: 'default',
        name: undefined,
        ephemeral: true,
        autoack: false,
        filter: { events: undefined, topic: undefined, reference: undefined },
        firstEvent: 'newest',
      },
    });
  });

  it('accepts the topics and processId aliases, the canonical names winning', () => {
    const aliases = start({ filter: { topics: 'a', processId: 'b' } }).filter;
    expect([aliases.topic?.source, aliases.reference?.source]).toEqual(['a', 'b']);
    const both = start({ filter: { topic: 'x', topics: 'a', reference: 'y', processId: 'b' } }).filter;
    expect([both.topic?.source, both.reference?.source]).toEqual(['x', 'y']);
  });

  it('treats an empty regular expression as no filter', () => {
    expect(start({ filter: { events: '' } }).filter.events).toBeUndefined();
  });

  it('keeps a named subscription ephemeral when asked to', () => {
    expect(start({ name: 'n', ephemeral: true }).ephemeral).toBe(true);
  });

  it('parses ack frames with and without an id', () => {
    expect(parseFrame('{"type":"ack","id":"e-1"}')).toEqual({ type: 'ack', id: 'e-1' });
    expect(parseFrame('{"type":"Ack"}')).toEqual({ type: 'ack', id: undefined });
    expect(parseFrame('{"type":"ack","id":7}')).toEqual({ type: 'ack', id: undefined });
  });

  it('rejects text that is not JSON', () => {
    expect(frameError('{"type":')).toBe('frame is not JSON');
  });

  it.each(['[]', '3', 'null', '"start"'])('rejects %s as not an object', (raw) => {
    expect(frameError(raw)).toBe('frame must be a JSON object');
  });

  it('rejects unknown and missing frame types', () => {
    expect(frameError('{"type":"subscribe"}')).toBe('unknown frame type "subscribe"');
    expect(frameError('{}')).toBe('unknown frame type "undefined"');
    expect(frameError('{"type":5}')).toBe('unknown frame type "5"');
  });

  it('rejects an invalid regular expression, and one RE2 refuses', () => {
    expect(frameError(JSON.stringify({ type: 'start', filter: { events: '(' } }))).toMatch(
      /^filter\.events is not a valid regular expression \(RE2 syntax.*\): missing closing \)/,
    );
    expect(frameError(JSON.stringify({ type: 'start', filter: { processId: '[a-' } }))).toMatch(
      /^filter\.reference is not a valid regular expression .*: missing closing \]/,
    );
    expect(frameError(JSON.stringify({ type: 'start', filter: { reference: '(a)\\1' } }))).toMatch(
      /^filter\.reference is not a valid regular expression .*: invalid escape sequence/,
    );
  });

  it('rejects a filter that is not a string or is too long', () => {
    expect(frameError(JSON.stringify({ type: 'start', filter: { topic: 5 } }))).toBe(
      'filter.topic must be a regular expression string',
    );
    expect(frameError(JSON.stringify({ type: 'start', filter: { events: 'a'.repeat(501) } }))).toBe(
      'filter.events must be a regular expression string',
    );
    expect(start({ filter: { events: 'a'.repeat(500) } }).filter.events?.source).toHaveLength(500);
  });

  it('rejects filter or options that are not objects', () => {
    expect(frameError('{"type":"start","filter":"events"}')).toBe('filter and options must be objects');
    expect(frameError('{"type":"start","options":1}')).toBe('filter and options must be objects');
  });

  it('takes a frame of any size: WS_MAX_FRAME_BYTES bounds it earlier, in ws', () => {
    expect(parseFrame(JSON.stringify({ type: 'ack', id: 'x'.repeat(128 * 1024) })).type).toBe('ack');
  });

  it('refuses a name that is not a string (it would find no subscription, or any)', () => {
    expect(frameError('{"type":"start","name":7}')).toBe('name must be a string');
    expect(start({ name: null })).toMatchObject({ name: undefined, ephemeral: true });
  });

  it('reads a frame in two steps: its object and type first (for the rate limit), the rest after', () => {
    const object = frameObject('{"type":"NACK","id":"e"}');
    expect(frameType(object)).toBe('nack');
    expect(frameType(frameObject('{"type":5}'))).toBe('');
    expect(parseFrame(object)).toEqual({ type: 'nack', id: 'e', subscription: undefined, reason: undefined });
  });

  it.each([
    ['oldest', 'oldest'],
    ['newest', 'newest'],
    [undefined, 'newest'],
    [null, 'newest'],
    [0, 0],
    [42, 42],
    ['17', 17],
  ])('reads firstEvent %j as %j', (firstEvent, expected) => {
    expect(start({ options: { firstEvent } }).firstEvent).toBe(expected);
  });

  it.each([-1, 1.5, 'latest', '1e400', 'oldest-1'])('rejects firstEvent %j', (firstEvent) => {
    expect(frameError(JSON.stringify({ type: 'start', options: { firstEvent } }))).toBe(
      'options.firstEvent must be oldest, newest or a sequence number',
    );
  });
});

describe('ack, nack and start on connect', () => {
  it('reads the subscription an ack or nack names, and a nack reason', () => {
    expect(parseFrame('{"type":"ack","id":"e","subscription":{"namespace":"default","name":"s"}}')).toEqual({
      type: 'ack',
      id: 'e',
      subscription: { namespace: 'default', name: 's' },
    });
    expect(parseFrame('{"type":"NACK","id":"e","reason":"busy"}')).toEqual({ type: 'nack', id: 'e', reason: 'busy' });
  });

  it("starts from FireFly's query parameters", () => {
    const start = startFromQuery(
      new URLSearchParams('namespace=default&ephemeral&autoack&filter.events=^step-&options.firstEvent=oldest'),
    );
    expect(start).toMatchObject({ namespace: 'default', ephemeral: true, autoack: true, firstEvent: 'oldest' });
    expect(start?.filter.events?.source).toBe('^step-');
    expect(startFromQuery(new URLSearchParams('namespace=default&name=app1'))).toMatchObject({
      name: 'app1',
      ephemeral: false,
      autoack: false,
    });
    expect(startFromQuery(new URLSearchParams('ephemeral=true&namespace=default'))?.ephemeral).toBe(true);
  });

  it('starts nothing without ephemeral or a name, and refuses bad parameters', () => {
    expect(startFromQuery(new URLSearchParams('namespace=default'))).toBeUndefined();
    expect(() => startFromQuery(new URLSearchParams('ephemeral&filter.events=('))).toThrow(FrameError);
  });
});

describe('closeReason', () => {
  it('cuts a reason to the 123 bytes of a close frame, never inside a character', () => {
    expect(closeReason('invalid-token: bad')).toBe('invalid-token: bad');
    const euros = closeReason(`invalid-token: tokens signed with ${'€'.repeat(200)} are not accepted here`);
    expect(Buffer.byteLength(euros)).toBeLessThanOrEqual(123);
    expect(euros).toMatch(/^invalid-token: tokens signed with €+$/);
    const emoji = closeReason('😀'.repeat(100));
    expect(emoji).toBe('😀'.repeat(30));
  });
});
