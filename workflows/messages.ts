/**
 * The messages members exchange privately and pin on the ledger. Only their
 * hash goes on-chain; the chain's order of those hashes is the shared order.
 * Every message id is derived from what it says, so a retried publish yields
 * the same message and the same hash.
 */
export interface ProcessStartedMessage {
  kind: 'process-started';
  id: string;
  processId: string;
  processType: string;
  author: string;
  input: unknown;
  /** role -> member name */
  participants: Record<string, string>;
}

export interface StepOutcomeMessage {
  kind: 'step-outcome';
  id: string;
  processId: string;
  author: string;
  step: string;
  outcome: 'done' | 'rejected';
  output?: unknown;
  reason?: string;
}

export interface StepCompensatedMessage {
  kind: 'step-compensated';
  id: string;
  processId: string;
  author: string;
  step: string;
  output?: unknown;
}

/** Any participant asks to stop the process; the ledger decides whether it came in time. */
export interface CancelRequestedMessage {
  kind: 'cancel-requested';
  id: string;
  processId: string;
  author: string;
  reason: string;
}

/** A member saw a step's deadline pass with no outcome on the ledger. */
export interface StepTimeoutMessage {
  kind: 'step-timeout';
  id: string;
  processId: string;
  author: string;
  step: string;
}

/** The owner of a step could not compensate it; the process is failed until a retry succeeds. */
export interface CompensationFailedMessage {
  kind: 'compensation-failed';
  id: string;
  processId: string;
  author: string;
  step: string;
  reason: string;
}

export type LedgerMessage =
  | ProcessStartedMessage
  | StepOutcomeMessage
  | StepCompensatedMessage
  | CancelRequestedMessage
  | StepTimeoutMessage
  | CompensationFailedMessage;

export const MESSAGE_KINDS: readonly LedgerMessage['kind'][] = [
  'process-started',
  'step-outcome',
  'step-compensated',
  'cancel-requested',
  'step-timeout',
  'compensation-failed',
];

const KINDS: ReadonlySet<string> = new Set(MESSAGE_KINDS);

/** Why `value` is not a ledger message (its kind, id, process and author; a start's participants), or undefined. */
export function ledgerMessageProblem(value: unknown): string | undefined {
  const m = value as Partial<LedgerMessage> | null;
  if (!m || typeof m !== 'object' || typeof m.kind !== 'string' || !KINDS.has(m.kind) || typeof m.id !== 'string')
    return 'not a Baton ledger message';
  if (typeof m.processId !== 'string' || typeof m.author !== 'string') return 'a message needs processId and author';
  if (m.kind === 'process-started' && (typeof m.participants !== 'object' || m.participants === null))
    return 'a process-started message needs participants';
  return undefined;
}

/** One pinned message as the ledger listener hands it to a process workflow. */
export interface LedgerDelivery {
  /** 1-based position of the pin among the pins of its context (its process), gap-free. */
  index: number;
  /** Global pin number assigned by the Sequencer contract. */
  pin: number;
  /** Sequencer batch sequence that carried the pin. */
  batch: number;
  blockNumber: number;
  /** Member name of the account that pinned the batch. */
  author: string;
  message: LedgerMessage;
}

/** Ids derive from what a message is about, so a retried publish is the same message. */
export function messageId(processId: string, kind: LedgerMessage['kind'], ...about: (string | number)[]): string {
  return [processId, kind, ...about].join('/');
}

/** Members that must receive every message of a process: its participants, once each. */
export function participantMembers(participants: Record<string, string>): string[] {
  return [...new Set(Object.values(participants))].sort();
}
