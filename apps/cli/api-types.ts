/**
 * The gateway's JSON as the CLI reads it, for the answers it declares here.
 * The process view is declared once, in apps/shared/api/process-view.ts, and
 * imported as a type; nothing here loads server code (Nest, TypeORM, Temporal).
 */

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
