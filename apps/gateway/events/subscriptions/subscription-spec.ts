import { FilterError, parseFilter, type FilterSpec } from '../event-filter.js';
import { DEFAULT_RETRY, parseDuration, type RetryPolicy } from '../delivery/retry-policy.js';

export type Transport = 'websockets' | 'webhooks';
export type FirstEvent = 'oldest' | 'newest' | number;

/** A subscription's options, validated and with every default filled in. */
export interface SubscriptionOptions {
  firstEvent: FirstEvent;
  /** Most events (or batches) in flight per connection (per webhook target), unacked. */
  readAhead: number;
  withData: boolean;
  batch: boolean;
  /** Most events in one batch. */
  batchSize: number;
  retry: RetryPolicy;
  /** webhooks only */
  url?: string;
  requestTimeoutMs: number;
}

export interface SubscriptionSpec {
  name: string;
  transport: Transport;
  filter: FilterSpec;
  options: SubscriptionOptions;
}

/** A request the API refuses; `code` is the stable error code. */
export class SpecError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_READ_AHEAD = 1000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parseFirstEvent(value: unknown): FirstEvent | undefined {
  const first = value ?? 'newest';
  if (first === 'oldest' || first === 'newest') return first;
  if ((typeof first === 'number' || typeof first === 'string') && /^\d+$/.test(String(first))) {
    const n = Number(first);
    if (Number.isSafeInteger(n)) return n;
  }
  return undefined;
}

function integer(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw new SpecError('invalid-subscription', `${field} must be a whole number from ${min} to ${max}`);
  return n;
}

function duration(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms > 86_400_000)
    throw new SpecError('invalid-subscription', `${field} must be a duration such as 500ms, 5s or 2m`);
  return ms;
}

function bool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new SpecError('invalid-subscription', `${field} must be true or false`);
  return value;
}

/** Validates the body of POST or PUT /subscriptions (FireFly's shape); throws SpecError. */
export function parseSubscriptionSpec(body: unknown): SubscriptionSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SpecError('invalid-subscription', 'the body must be a JSON object');
  const raw = body as Record<string, unknown>;
  if (typeof raw.name !== 'string' || !NAME.test(raw.name))
    throw new SpecError(
      'invalid-subscription',
      'name must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  const transport = raw.transport ?? 'websockets';
  if (transport !== 'websockets' && transport !== 'webhooks')
    throw new SpecError('invalid-subscription', 'transport must be websockets or webhooks');
  let filter: FilterSpec;
  try {
    filter = parseFilter(raw.filter).spec;
  } catch (err) {
    if (err instanceof FilterError) throw new SpecError('invalid-subscription', err.message);
    throw err;
  }
  const options = (raw.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object' || Array.isArray(options))
    throw new SpecError('invalid-subscription', 'options must be an object');
  const firstEvent = parseFirstEvent(options.firstEvent);
  if (firstEvent === undefined)
    throw new SpecError('invalid-subscription', 'options.firstEvent must be oldest, newest or a sequence number');
  const retry = (options.retry ?? {}) as Record<string, unknown>;
  if (typeof retry !== 'object' || Array.isArray(retry))
    throw new SpecError('invalid-subscription', 'options.retry must be an object');
  const readAhead = integer(options.readAhead, 'options.readAhead', 1, MAX_READ_AHEAD, 50);
  const parsed: SubscriptionOptions = {
    firstEvent,
    readAhead,
    withData: bool(options.withData, 'options.withData', true),
    batch: bool(options.batch, 'options.batch', false),
    batchSize: integer(options.batchSize, 'options.batchSize', 1, MAX_READ_AHEAD, readAhead),
    retry: {
      count: integer(retry.count, 'options.retry.count', 1, 100, DEFAULT_RETRY.count),
      initialDelayMs: duration(retry.initialDelay, 'options.retry.initialDelay', DEFAULT_RETRY.initialDelayMs),
      maxDelayMs: duration(retry.maxDelay, 'options.retry.maxDelay', DEFAULT_RETRY.maxDelayMs),
      factor: integer(retry.factor, 'options.retry.factor', 1, 10, DEFAULT_RETRY.factor),
    },
    requestTimeoutMs: duration(options.requestTimeout, 'options.requestTimeout', 30_000),
  };
  if (transport === 'webhooks') parsed.url = webhookUrl(options.url);
  else if (options.url !== undefined)
    throw new SpecError('invalid-subscription', 'options.url is for transport webhooks only');
  return { name: raw.name, transport, filter, options: parsed };
}

function webhookUrl(value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value))
    throw new SpecError('invalid-webhook-url', 'options.url must be an absolute http:// or https:// URL');
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SpecError('invalid-webhook-url', `options.url must use http or https, not ${url.protocol.slice(0, -1)}`);
  return url.toString();
}
