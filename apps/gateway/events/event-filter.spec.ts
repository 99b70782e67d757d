import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../shared/db/entities.js';
import { FilterError, matchesFilter, parseFilter } from './event-filter.js';

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

  it('names the field at fault', () => {
    expect(() => parseFilter({ author: '(' })).toThrow(
      new FilterError('filter.author is not a valid regular expression'),
    );
    expect(() => parseFilter({ events: 1 })).toThrow('filter.events must be a regular expression string');
    expect(() => parseFilter('x')).toThrow('filter must be an object');
  });
});
