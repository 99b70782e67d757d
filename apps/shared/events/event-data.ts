import type { ProcessStatus } from '../../../workflows/process-state.js';
import type { DataSchema, ObjectSchema } from './data-schema.js';

/**
 * The shapes of an event's `data`, by the name the AsyncAPI document gives
 * them. A schema without a description is described there by its event types
 * and their topic (see event-types.ts).
 */
export const EVENT_DATA = {
  ProcessEventData: {
    type: 'object',
    properties: {
      status: {
        type: 'string',
        enum: ['running', 'completed', 'compensating', 'compensated', 'failed'] satisfies ProcessStatus[],
      },
      step: { type: 'string', description: 'The step concerned, if any' },
      pin: { type: 'integer', description: 'Global pin number of the ledger entry behind the event' },
      author: { type: 'string', description: 'Member that published the ledger entry' },
      reason: { type: 'string' },
    },
    required: ['status'],
  },
  BatchPinnedData: {
    type: 'object',
    description: 'data of batch-pinned: one Sequencer batch read from the chain; topic "ledger"',
    properties: {
      batch: { type: 'integer', description: 'The batch sequence number' },
      author: { type: 'string', description: 'Account that sent the batch' },
      batchHash: { type: 'string' },
      firstPin: { type: 'integer' },
      pins: { type: 'integer', description: 'Number of pins in the batch' },
      contexts: { type: 'array', items: { type: 'string' }, description: "Each pin's context, in pin order" },
      hashes: { type: 'array', items: { type: 'string' }, description: "Each pin's hash, in pin order" },
      blockNumber: { type: 'integer' },
      logIndex: { type: 'integer' },
    },
    required: ['batch', 'author', 'batchHash', 'firstPin', 'pins', 'blockNumber', 'logIndex'],
  },
  PinnedMessageData: {
    type: 'object',
    description:
      'data of message-confirmed and message-rejected (a pin matched with its private message, applied or ignored by the ' +
      'state machine) and of data-received (a private message from another member); topic is the process type',
    properties: {
      messageId: { type: 'string' },
      kind: { type: 'string', description: 'process-started, step-outcome, step-compensated, cancel-requested, ...' },
      step: { type: 'string' },
      author: { type: 'string', description: 'Member that published (pinned) the message' },
      pin: { type: 'integer', description: 'Global pin number (message-confirmed, message-rejected)' },
      index: { type: 'integer', description: "Position among the process's pins" },
      batch: { type: 'integer' },
      hash: { type: 'string', description: 'keccak256 of the message: the pin' },
      blockNumber: { type: 'integer' },
      transactionHash: { type: 'string' },
      reason: { type: 'string', description: 'Why the message was ignored (message-rejected)' },
      from: { type: 'string', description: 'Member that sent the data (data-received)' },
      blobs: {
        type: 'array',
        description: 'Blobs the message refers to (data-received): GET /api/v1/data/{id}/blob',
        items: { type: 'object', properties: { id: { type: 'string' }, hash: { type: 'string' } } },
      },
    },
    required: ['messageId', 'kind', 'author', 'hash'],
  },
  MessageEventData: {
    type: 'object',
    description: 'data of message-sent and message-received (unpinned private messages); topic "messages"',
    properties: {
      id: { type: 'string', format: 'uuid' },
      author: { type: 'string' },
      recipients: { type: 'array', items: { type: 'string' } },
    },
    required: ['id', 'author', 'recipients'],
  },
} as const satisfies Record<string, ObjectSchema & { properties: Record<string, DataSchema> }>;

export type EventDataName = keyof typeof EVENT_DATA;
