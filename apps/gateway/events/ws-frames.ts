import type { EventFilter } from './event-stream.service.js';

/** A validated `start` frame (FireFly's WebSocket protocol). */
export interface StartFrame {
  namespace: string;
  name?: string;
  ephemeral: boolean;
  autoack: boolean;
  filter: EventFilter;
  firstEvent: 'oldest' | 'newest' | number;
}

export class FrameError extends Error {}

const MAX_FRAME_BYTES = 64 * 1024;

function regex(value: unknown, field: string): RegExp | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 500)
    throw new FrameError(`${field} must be a regular expression string`);
  try {
    return new RegExp(value);
  } catch {
    throw new FrameError(`${field} is not a valid regular expression`);
  }
}

/** Parses one client frame; throws FrameError with a message for the protocol_error reply. */
export function parseFrame(raw: string): { type: 'start'; start: StartFrame } | { type: 'ack'; id?: string } {
  if (raw.length > MAX_FRAME_BYTES) throw new FrameError(`frame larger than ${MAX_FRAME_BYTES} bytes`);
  let frame: Record<string, unknown>;
  try {
    frame = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new FrameError('frame is not JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
    throw new FrameError('frame must be a JSON object');
  const type = typeof frame.type === 'string' ? frame.type.toLowerCase() : '';
  if (type === 'ack') return { type: 'ack', id: typeof frame.id === 'string' ? frame.id : undefined };
  if (type !== 'start') throw new FrameError(`unknown frame type "${String(frame.type)}"`);
  const filter = (frame.filter ?? {}) as Record<string, unknown>;
  const options = (frame.options ?? {}) as Record<string, unknown>;
  if (typeof filter !== 'object' || typeof options !== 'object')
    throw new FrameError('filter and options must be objects');
  const first = options.firstEvent ?? 'newest';
  const firstEvent =
    first === 'oldest' || first === 'newest'
      ? first
      : Number.isInteger(Number(first)) && Number(first) >= 0
        ? Number(first)
        : undefined;
  if (firstEvent === undefined) throw new FrameError('options.firstEvent must be oldest, newest or a sequence number');
  return {
    type: 'start',
    start: {
      namespace: typeof frame.namespace === 'string' ? frame.namespace : 'default',
      name: typeof frame.name === 'string' ? frame.name : undefined,
      ephemeral: frame.ephemeral === true || frame.name === undefined,
      autoack: frame.autoack === true,
      filter: {
        events: regex(filter.events, 'filter.events'),
        topic: regex(filter.topic ?? filter.topics, 'filter.topic'),
        reference: regex(filter.reference ?? filter.processId, 'filter.reference'),
      },
      firstEvent,
    },
  };
}
