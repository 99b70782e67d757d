/**
 * The gateway's JSON as the CLI reads it. Declared here rather than imported
 * from the gateway so the CLI loads no server code (Nest, TypeORM, Temporal).
 */

export interface StepView {
  name: string;
  /** The role that owns the step. */
  owner: string;
  /** The member playing that role. */
  member: string;
  status: string;
  reason?: string;
  pin?: number;
  compensationPin?: number;
}

export interface Cancellation {
  requestedBy: string;
  reason: string;
  pin: number;
  outcome: string;
  refusal?: string;
}

export interface ProcessView {
  id: string;
  type: string;
  status: string;
  member: string;
  initiator: string;
  participants: Record<string, string>;
  input?: unknown;
  steps: StepView[];
  reason?: string;
  rejectedBy?: string;
  failedStep?: string;
  cancellations?: Cancellation[];
  startPin?: number;
  digest?: string;
  createdAt?: string;
  updatedAt?: string;
  workflow?: { namespace: string; workflowId: string; url: string };
}

export interface ProcessList {
  items: ProcessView[];
  total: number;
  limit: number;
  skip: number;
}

export interface Check {
  ready: boolean;
  detail: string;
}

export interface MemberStatus {
  member: string;
  namespace: string;
  ready: boolean;
  checks: Record<string, Check>;
  versions: Record<string, string>;
}

export interface NetworkMember {
  account: string;
  name: string;
  endpoint: string;
  local?: boolean;
}

/** A FireFly-style event frame from `/ws`. */
export interface EventFrame {
  id: string;
  sequence: number;
  type: string;
  reference?: string;
  topic?: string;
  created?: string;
  data?: { status?: string; step?: string; pin?: number; author?: string; reason?: string; [key: string]: unknown };
  subscription?: { id: string };
}

/** Statuses after which a process changes no more without a person acting. */
export const FINAL_STATUSES: readonly string[] = ['completed', 'compensated', 'failed'];
