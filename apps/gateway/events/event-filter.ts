import type { EventRecord } from '../../shared/db/entities.js';

/** Regular expressions on an event's fields; a missing one matches everything. */
export interface EventFilter {
  events?: RegExp;
  topic?: RegExp;
  processType?: RegExp;
  /** The process id. */
  reference?: RegExp;
  author?: RegExp;
}

/** The filter as stored and shown: the regular expressions' sources. */
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
    try {
      filter[field] = new RegExp(value);
    } catch {
      throw new FilterError(`${prefix}.${field} is not a valid regular expression`);
    }
    spec[field] = value;
  }
  return { filter, spec };
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
