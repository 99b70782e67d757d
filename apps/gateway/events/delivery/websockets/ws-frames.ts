import { FilterError, parseFilter, type EventFilter } from '../../event-filter.js';
import { parseFirstEvent, type FirstEvent } from '../../subscriptions/subscription-spec.js';
import { shown } from '../../../../shared/shown.js';

/** A validated `start` frame (FireFly's WebSocket protocol). */
export interface StartFrame {
  namespace: string;
  name?: string;
  ephemeral: boolean;
  autoack: boolean;
  filter: EventFilter;
  firstEvent: FirstEvent;
}

/** How an ack or nack names its subscription when a connection holds several. */
export interface FrameSubscriptionRef {
  id?: string;
  namespace?: string;
  name?: string;
}

export type ClientFrame =
  | { type: 'start'; start: StartFrame }
  | { type: 'ack'; id?: string; subscription?: FrameSubscriptionRef }
  | { type: 'nack'; id?: string; subscription?: FrameSubscriptionRef; reason?: string };

export class FrameError extends Error {}

/**
 * The JSON object of one client frame; throws FrameError. Its size is bounded
 * before it gets here: `ws` refuses a frame over WS_MAX_FRAME_BYTES.
 */
export function frameObject(raw: string): Record<string, unknown> {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    throw new FrameError('frame is not JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
    throw new FrameError('frame must be a JSON object');
  return frame as Record<string, unknown>;
}

/** A frame's type, lower-cased ('' when it has none): known before the frame is parsed further. */
export function frameType(frame: Record<string, unknown>): string {
  return typeof frame.type === 'string' ? frame.type.toLowerCase() : '';
}

/** Parses one client frame (its text, or its object from frameObject); throws FrameError with a message for the protocol_error reply. */
export function parseFrame(raw: string | Record<string, unknown>): ClientFrame {
  const frame = typeof raw === 'string' ? frameObject(raw) : raw;
  const type = frameType(frame);
  if (type === 'ack' || type === 'nack') {
    const id = typeof frame.id === 'string' ? frame.id : undefined;
    const subscription = subscriptionRef(frame.subscription);
    if (type === 'ack') return { type, id, subscription };
    const reason = typeof frame.reason === 'string' ? frame.reason.slice(0, 2000) : undefined;
    return { type, id, subscription, reason };
  }
  if (type !== 'start') {
    throw new FrameError(`unknown frame type "${shown(frame.type)}"`);
  }
  return { type: 'start', start: parseStart(frame) };
}

/**
 * FireFly's start on connect: `/ws?namespace=default&ephemeral&autoack&filter.events=...`
 * or `/ws?namespace=default&name=my-sub`. Undefined when the URL asks for nothing.
 */
export function startFromQuery(query: URLSearchParams): StartFrame | undefined {
  if (!query.has('ephemeral') && !query.has('name')) return undefined;
  const flag = (key: string) => query.has(key) && query.get(key) !== 'false';
  const filter: Record<string, string> = {};
  const options: Record<string, string> = {};
  for (const [key, value] of query) {
    if (key.startsWith('filter.')) filter[key.slice('filter.'.length)] = value;
    if (key.startsWith('options.')) options[key.slice('options.'.length)] = value;
  }
  if (query.has('firstEvent')) options.firstEvent ??= query.get('firstEvent')!;
  return parseStart({
    namespace: query.get('namespace') ?? undefined,
    name: query.get('name') ?? undefined,
    ephemeral: flag('ephemeral'),
    autoack: flag('autoack'),
    filter,
    options,
  });
}

function parseStart(frame: Record<string, unknown>): StartFrame {
  const filter = frame.filter ?? {};
  const options = (frame.options ?? {}) as Record<string, unknown>;
  if (typeof filter !== 'object' || typeof options !== 'object')
    throw new FrameError('filter and options must be objects');
  const firstEvent = parseFirstEvent(options.firstEvent);
  if (firstEvent === undefined) throw new FrameError('options.firstEvent must be oldest, newest or a sequence number');
  let parsed: EventFilter;
  try {
    parsed = parseFilter(filter).filter;
  } catch (err) {
    if (err instanceof FilterError) throw new FrameError(err.message);
    throw err;
  }
  // A durable subscription is found by its name: anything but a string would find none, or any.
  const name = frame.name ?? undefined;
  if (name !== undefined && typeof name !== 'string') throw new FrameError('name must be a string');
  return {
    namespace: typeof frame.namespace === 'string' ? frame.namespace : 'default',
    name,
    ephemeral: frame.ephemeral === true || name === undefined,
    autoack: frame.autoack === true,
    filter: parsed,
    firstEvent,
  };
}

function subscriptionRef(value: unknown): FrameSubscriptionRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = value as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { id: text(ref.id), namespace: text(ref.namespace), name: text(ref.name) };
}

/** Most bytes in a close frame's reason (RFC 6455: 125 with the 2-byte code); `ws` throws on a longer one. */
const MAX_CLOSE_REASON_BYTES = 123;

/** `text` cut to what a close frame carries, at a character's boundary (a reason may quote what the client sent). */
export function closeReason(text: string): string {
  let reason = '';
  for (const char of text.slice(0, MAX_CLOSE_REASON_BYTES)) {
    if (Buffer.byteLength(reason + char) > MAX_CLOSE_REASON_BYTES) break;
    reason += char;
  }
  return reason;
}
