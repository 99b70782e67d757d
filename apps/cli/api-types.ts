/**
 * The gateway's JSON as the CLI reads it. The view itself is declared here
 * rather than imported from the gateway so the CLI loads no server code
 * (Nest, TypeORM, Temporal).
 */

// Steps and cancellations have the shapes the workflow's state gives them:
// type-only imports, erased at run time, so no server code is loaded.
import type { Cancellation, StepView } from '../../workflows/process-state.js';

export type { Cancellation, StepView };

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
