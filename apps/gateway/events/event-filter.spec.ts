import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../shared/db/entities.js';
import {
  expansionBound,
  FilterError,
  MAX_REGEX_EXPANSION,
  matchesFilter,
  parseFilter,
  storedFilter,
} from './event-filter.js';

const event = (over: Partial<EventRecord> = {}) => ({
  sequence: 1,
  id: 'e',
  key: 'k',
  type: 'step-done',
  processId: 'p-1',
  processType: 'trade-settlement',
  topic: 'trade-settlement',
  author: 'seller',
  correlator: null,
  data: null,
  created: '',
  ...over,
});

describe('event filters', () => {
  it('matches every field by regular expression, all of them together', () => {
    const { filter, spec } = parseFilter({
      events: '^step-',
      topic: 'trade',
      processType: '^trade-settlement$',
      reference: '^p-',
      author: 'seller|bank',
    });
    expect(spec).toEqual({
      events: '^step-',
      topic: 'trade',
      processType: '^trade-settlement$',
      reference: '^p-',
      author: 'seller|bank',
    });
    expect(matchesFilter(filter, event())).toBe(true);
    expect(matchesFilter(filter, event({ type: 'process-started' }))).toBe(false);
    expect(matchesFilter(filter, event({ author: 'buyer' }))).toBe(false);
    expect(matchesFilter(filter, event({ processId: 'q-1' }))).toBe(false);
    expect(matchesFilter(filter, event({ processType: 'loan-syndication' }))).toBe(false);
  });

  it('matches a missing field as the empty string', () => {
    const { filter } = parseFilter({ author: '^$' });
    expect(matchesFilter(filter, event({ author: null }))).toBe(true);
    expect(matchesFilter(filter, event())).toBe(false);
  });

  it('takes topics and processId as aliases, the canonical name winning', () => {
    expect(parseFilter({ topics: 'a', processId: 'b' }).spec).toEqual({ topic: 'a', reference: 'b' });
    expect(parseFilter({ topic: 'x', topics: 'a' }).spec).toEqual({ topic: 'x' });
  });

  it('matches everything without a filter or with empty expressions', () => {
    expect(matchesFilter(parseFilter(undefined).filter, event())).toBe(true);
    expect(parseFilter({ events: '' }).spec).toEqual({});
  });

  it('names the field at fault, and why RE2 refuses it', () => {
    expect(() => parseFilter({ author: '(' })).toThrow(
      new FilterError(
        'filter.author is not a valid regular expression (RE2 syntax: no lookaround or backreferences): missing closing ): `(`',
      ),
    );
    expect(() => parseFilter({ events: 1 })).toThrow('filter.events must be a regular expression string');
    expect(() => parseFilter('x')).toThrow('filter must be an object');
  });
});

describe('event filters in RE2 syntax', () => {
  /** Patterns that backtrack exponentially in JavaScript's engine on a process id that almost matches. */
  const catastrophic = ['^([0-9a-f-]+)+!$', '^(([0-9a-f]|-)*)*!$'];

  it.each(catastrophic)('matches %s in linear time', (pattern) => {
    const { filter } = parseFilter({ reference: pattern });
    const started = performance.now();
    // JavaScript's RegExp takes seconds on this one (and years on a whole process id); RE2 microseconds.
    expect(matchesFilter(filter, event({ processId: `${'0a-'.repeat(8)}x` }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
    expect(matchesFilter(filter, event({ processId: 'ab-12!' }))).toBe(true);
  });

  it.each([
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'invalid named capture'],
    ['a{1001}', 'invalid repeat count'],
  ])('refuses %s, which RE2 cannot compile', (pattern, reason) => {
    expect(() => parseFilter({ reference: pattern })).toThrow(/^filter\.reference is not a valid regular expression/);
    expect(() => parseFilter({ reference: pattern })).toThrow(reason);
  });

  it('keeps what FireFly filters use: classes, alternation, anchors, named groups, flags', () => {
    const { filter } = parseFilter({
      events: '^(process|step)-(started|done)$',
      topic: '(?i)^TRADE',
      reference: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      author: '(?P<who>seller)|\\bbank\\b',
    });
    expect(
      matchesFilter(filter, event({ type: 'process-started', processId: '0f5c3a1e-5b7e-4c2d-9a8b-1c2d3e4f5a6b' })),
    ).toBe(true);
    expect(matchesFilter(filter, event({ type: 'process-startedx' }))).toBe(false);
  });

  it('refuses repeat counts that would expand a pattern beyond the bound, before compiling it', () => {
    expect(expansionBound('^step-')).toBe(6);
    expect(expansionBound('[0-9a-f]{8}-x{2,4}y{3,}')).toBe(23 * (1 + 8 + 4 + 3));
    expect(() => parseFilter({ events: `(?:${'abcdefghij'.repeat(40)}){1000}` })).toThrow(
      `its repeat counts expand it beyond ${MAX_REGEX_EXPANSION} instructions`,
    );
    expect(parseFilter({ events: 'a{1000}' }).spec).toEqual({ events: 'a{1000}' });
  });

  it('names a stored subscription whose filter RE2 refuses, and how to mend it', () => {
    expect(() => storedFilter({ reference: '(?=x)' }, 'old-hook')).toThrow(
      /^subscription "old-hook" has a filter this gateway cannot use \(filter\.reference is not a valid .*\); replace it with PUT/,
    );
    expect(storedFilter({ events: '^step-' }, 'fine').events?.source).toBe('^step-');
  });
});
