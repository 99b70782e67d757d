import type { ProcessEventType } from '../../../workflows/process-state.js';
import type { DataOf } from './data-schema.js';
import type { EVENT_DATA, EventDataName } from './event-data.js';

/**
 * The stages that write the event log, as the events guide names them. Process
 * events come from the pure state machine, so every participant writes the same
 * ones: the ledger projector writes them, or the process workflow's projection
 * activity when it gets there first (their keys make each appear once).
 */
export const EVENT_PRODUCERS = {
  'state-machine': "worker's state machine",
  'ledger-listener': "worker's ledger listener",
  'ledger-projector': "worker's ledger projector",
  'data-exchange': 'gateway or worker',
  'gateway-messages': 'gateway',
} as const;

export type EventProducer = keyof typeof EVENT_PRODUCERS;

/** One event type: who writes it, when, under which topic, and the shape of its `data`. */
export interface EventTypeEntry<Data extends EventDataName = EventDataName> {
  producer: EventProducer;
  /** What happened, for the events guide. */
  when: string;
  /** The event's `topic`, as the guide says it. */
  topic: string;
  data: Data;
  /** The fields of `data` this type carries, when not all of the shape's. */
  fields?: readonly (keyof (typeof EVENT_DATA)[Data]['properties'])[];
  /** What the event's `correlator` holds, when not the process id. */
  correlator?: string;
}

/** An entry whose `fields` are checked against its data shape. */
const entry = <Data extends EventDataName>(e: EventTypeEntry<Data>) => e;

const processEvent = (when: string, fields: EventTypeEntry<'ProcessEventData'>['fields']) =>
  entry({ producer: 'state-machine', when, topic: 'the process type', data: 'ProcessEventData', fields });

/** The state machine's events (workflows/process-state.ts): exactly its ProcessEventType. */
const PROCESS_EVENTS = {
  'process-started': processEvent('the start message applied', ['status', 'pin', 'author']),
  'step-done': processEvent('a step outcome applied: done', ['status', 'step', 'pin', 'author']),
  'step-rejected': processEvent('a step outcome applied: rejected', ['status', 'step', 'pin', 'author', 'reason']),
  'step-timed-out': processEvent('a deadline pinned before the outcome', ['status', 'step', 'pin', 'author', 'reason']),
  'step-compensated': processEvent('a compensation applied', ['status', 'step', 'pin', 'author']),
  'cancel-accepted': processEvent('a cancel request applied', ['status', 'pin', 'author', 'reason']),
  'cancel-refused': processEvent('a cancel request refused (`reason` says why)', ['status', 'pin', 'author', 'reason']),
  'compensation-failed': processEvent('a compensation given up on', ['status', 'step', 'pin', 'author', 'reason']),
  'process-compensating': processEvent('after a rejection, timeout or cancel', ['status', 'reason']),
  'process-completed': processEvent('the last step done', ['status']),
  'process-compensated': processEvent('the last compensation applied', ['status', 'reason']),
  'process-failed': processEvent('after compensation-failed', ['status', 'step', 'reason']),
} satisfies Record<ProcessEventType, EventTypeEntry<'ProcessEventData'>>;

/** What message-confirmed and message-rejected tell of a pin and its message. */
const PINNED_MESSAGE_FIELDS = [
  'messageId',
  'kind',
  'step',
  'author',
  'pin',
  'index',
  'batch',
  'hash',
  'blockNumber',
  'transactionHash',
] as const;

/**
 * Every event type of the log, in the order the AsyncAPI document lists them.
 * A producer's `type` is checked against these names (NewEvent in
 * db/event-log.ts), its `data` against the entry's shape.
 */
export const EVENT_TYPES = {
  ...PROCESS_EVENTS,
  'batch-pinned': entry({
    producer: 'ledger-listener',
    when: 'one per batch read',
    topic: '`ledger`',
    data: 'BatchPinnedData',
    correlator: 'the transaction hash',
  }),
  'message-confirmed': entry({
    producer: 'ledger-projector',
    when: 'a pin matched with its private message and applied',
    topic: 'the process type',
    data: 'PinnedMessageData',
    fields: PINNED_MESSAGE_FIELDS,
  }),
  'message-rejected': entry({
    producer: 'ledger-projector',
    when: 'a pin the state machine ignored (wrong author, too late, ...)',
    topic: 'the process type',
    data: 'PinnedMessageData',
    fields: [...PINNED_MESSAGE_FIELDS, 'reason'],
  }),
  'data-received': entry({
    producer: 'data-exchange',
    when: 'a private message from another member (pushed, or re-sent to a rebuilding member)',
    topic: 'the process type (`messages` while it is unknown)',
    data: 'PinnedMessageData',
    fields: ['messageId', 'kind', 'author', 'from', 'hash', 'blobs'],
  }),
  'message-received': entry({
    producer: 'gateway-messages',
    when: 'an unpinned private message received',
    topic: '`messages`',
    data: 'MessageEventData',
  }),
  'message-sent': entry({
    producer: 'gateway-messages',
    when: 'an unpinned private message sent',
    topic: '`messages`',
    data: 'MessageEventData',
  }),
};

export type EventType = keyof typeof EVENT_TYPES;

/** The `data` an event of `type` carries. */
export type EventData<Type extends EventType> = DataOf<(typeof EVENT_DATA)[(typeof EVENT_TYPES)[Type]['data']]>;

/** The catalogue's names, in order. */
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];
