import { RE2JS, RE2JSException } from 're2js';
import type { EventRecord } from '../../shared/db/entities.js';

/**
 * One field's expression, compiled by RE2 (FireFly's filters are Go regular
 * expressions, RE2 too): matching takes time linear in the text, whatever the
 * pattern, so no filter an app sends can hold the event loop. RE2 has no
 * backreferences and no lookaround.
 */
export interface FilterPattern {
  readonly source: string;
  test(text: string): boolean;
}

/** Expressions on an event's fields; a missing one matches everything. */
export interface EventFilter {
  events?: FilterPattern;
  topic?: FilterPattern;
  processType?: FilterPattern;
  /** The process id. */
  reference?: FilterPattern;
  author?: FilterPattern;
}

/** The filter as stored and shown: the expressions' sources. */
export type FilterSpec = Partial<Record<keyof EventFilter, string>>;

export const FILTER_FIELDS = ['events', 'topic', 'processType', 'reference', 'author'] as const;

/** FireFly's and Baton's other names for a field; the canonical name wins when both are given. */
const ALIASES: Record<string, keyof EventFilter> = {
  topics: 'topic',
  processId: 'reference',
  processtype: 'processType',
};

export class FilterError extends Error {}

export const MAX_REGEX_LENGTH = 500;

/**
 * Most instructions an expression may expand to, estimated before compiling
 * (see expansionBound): RE2 compiles `x{1000}` into a thousand copies of x, and
 * a 500-character pattern of such repeats takes a quarter of a second to compile.
 */
export const MAX_REGEX_EXPANSION = 20_000;

/**
 * Reads a filter object ({events, topic, processType, reference, author} and
 * their aliases); throws FilterError naming the field at fault.
 */
export function parseFilter(raw: unknown, prefix = 'filter'): { filter: EventFilter; spec: FilterSpec } {
  if (raw === undefined || raw === null) return { filter: {}, spec: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new FilterError(`${prefix} must be an object`);
  const source = raw as Record<string, unknown>;
  const filter: EventFilter = {};
  const spec: FilterSpec = {};
  for (const field of FILTER_FIELDS) {
    const alias = Object.keys(ALIASES).find((a) => ALIASES[a] === field);
    const value = source[field] ?? (alias ? source[alias] : undefined);
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' || value.length > MAX_REGEX_LENGTH)
      throw new FilterError(`${prefix}.${field} must be a regular expression string`);
    filter[field] = compilePattern(value, `${prefix}.${field}`);
    spec[field] = value;
  }
  return { filter, spec };
}

/**
 * The filter of a stored subscription. One written before filters were RE2
 * may hold an expression RE2 refuses (a lookahead, a backreference): that
 * subscription cannot be delivered until its filter is replaced, and the
 * FilterError says so, naming the subscription.
 */
export function storedFilter(spec: Record<string, string>, subscription: string): EventFilter {
  try {
    return parseFilter(spec).filter;
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    throw new FilterError(
      `subscription "${subscription}" has a filter this gateway cannot use (${err.message}); ` +
        'replace it with PUT /subscriptions',
    );
  }
}

function compilePattern(source: string, field: string): FilterPattern {
  const refused = (reason: string) =>
    new FilterError(
      `${field} is not a valid regular expression (RE2 syntax: no lookaround or backreferences): ${reason}`,
    );
  if (expansionBound(source) > MAX_REGEX_EXPANSION)
    throw refused(`its repeat counts expand it beyond ${MAX_REGEX_EXPANSION} instructions`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (err) {
    if (err instanceof RE2JSException) throw refused(err.message.replace(/^error parsing regexp: /, ''));
    throw err;
  }
  return { source, test: (text) => compiled.test(text) };
}

/**
 * An upper bound, read from the text alone, of the instructions RE2 compiles
 * `source` into: each counted repeat `{n}`, `{n,}` or `{n,m}` may copy up to
 * the whole pattern its count of times (RE2 itself refuses counts above 1000,
 * nested ones included). Counts inside a class or after a backslash are
 * counted too: the bound only errs high.
 */
export function expansionBound(source: string): number {
  let copies = 1;
  for (const [, low, comma, high] of source.matchAll(/\{(\d+)(,?)(\d*)\}/g))
    copies += Math.max(Number(low), comma && high ? Number(high) : 0);
  return source.length * copies;
}

export function matchesFilter(filter: EventFilter, event: EventRecord): boolean {
  return (
    (!filter.events || filter.events.test(event.type)) &&
    (!filter.topic || filter.topic.test(event.topic)) &&
    (!filter.processType || filter.processType.test(event.processType ?? '')) &&
    (!filter.reference || filter.reference.test(event.processId ?? '')) &&
    (!filter.author || filter.author.test(event.author ?? ''))
  );
}
