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

export type LedgerMessage = ProcessStartedMessage | StepOutcomeMessage | StepCompensatedMessage;

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

export function messageId(processId: string, kind: LedgerMessage['kind'], step?: string): string {
  return step === undefined ? `${processId}/${kind}` : `${processId}/${kind}/${step}`;
}

/** Members that must receive every message of a process: its participants, once each. */
export function participantMembers(participants: Record<string, string>): string[] {
  return [...new Set(Object.values(participants))].sort();
}
