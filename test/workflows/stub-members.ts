import type { ProcessActivities, ProjectionActivities, StepRequest, StepResult } from '../../workflows/activities.js';
import type { LedgerMessage } from '../../workflows/messages.js';
import type { ProcessState } from '../../workflows/process-state.js';
import type { Ledger } from './ledger.js';

export interface StepCall {
  kind: 'run' | 'compensate';
  member: string;
  step: string;
  activity: string;
}

type Scripted<T> = (request: StepRequest) => T | Promise<T>;

/**
 * Stub activities for every member of a test (they share one worker): step
 * actions and compensations answer from scripts keyed by activity name
 * (default: done / undone) and record each call; publishing hands the
 * message to the test's ledger; the projection keeps each recorded state.
 */
export class StubMembers {
  readonly calls: StepCall[] = [];
  readonly records = new Map<string, ProcessState[]>();
  readonly run: Record<string, Scripted<StepResult>> = {};
  readonly compensate: Record<string, Scripted<{ output?: unknown }>> = {};
  /** Runs before a message reaches the ledger: a slow network, for instance. */
  beforePublish?: (message: LedgerMessage) => Promise<void>;

  constructor(private readonly ledger: Ledger) {}

  /** `member:activity` of each call of that kind, in call order. */
  list(kind: StepCall['kind']): string[] {
    return this.calls.filter((c) => c.kind === kind).map((c) => `${c.member}:${c.activity}`);
  }

  activities(): ProcessActivities & ProjectionActivities {
    return {
      runStep: async (request) => {
        this.calls.push({ kind: 'run', member: request.member, step: request.step, activity: request.activity });
        const script = this.run[request.activity];
        return script ? await script(request) : { outcome: 'done', output: { by: request.member } };
      },
      compensateStep: async (request) => {
        this.calls.push({ kind: 'compensate', ...pick(request) });
        const script = this.compensate[request.activity];
        return script ? await script(request) : {};
      },
      publishMessage: async ({ message }) => {
        await this.beforePublish?.(message);
        this.ledger.publish(message);
        return { hash: message.id };
      },
      recordProcess: ({ state }) => {
        this.records.set(state.member, [...(this.records.get(state.member) ?? []), state]);
        return Promise.resolve();
      },
    };
  }
}

function pick(request: StepRequest): Omit<StepCall, 'kind'> {
  return { member: request.member, step: request.step, activity: request.activity };
}
