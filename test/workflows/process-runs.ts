import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, expect } from 'vitest';
import { PROCESS_WORKFLOW, processStateQuery, processWorkflowOptions } from '../../workflows/definitions.js';
import { participantMembers, type LedgerMessage } from '../../workflows/messages.js';
import type { ProcessArgs, ProcessState } from '../../workflows/process-state.js';
import type { processWorkflow } from '../../workflows/process.workflow.js';
import { BUYER_CREDIT_LIMIT } from '../../workflows/process-types/trade-settlement.js';
import { Ledger } from './ledger.js';
import { StubMembers } from './stub-members.js';
import { eventually, TemporalEnv } from './temporal-env.js';

// What the processWorkflow tests (process-workflow-*.test.ts) share: a process
// run at every member over a scripted ledger, the two process types'
// scenarios, and the checks they make of the members' states.

type Handle = WorkflowHandle<typeof processWorkflow>;

export interface Run {
  processId: string;
  ledger: Ledger;
  stubs: StubMembers;
  handles: Record<string, Handle>;
  /** Every member's returned state, by member. */
  results(): Promise<Record<string, ProcessState>>;
  state(member: string): Promise<ProcessState>;
}

export interface Scenario {
  processType: 'trade-settlement' | 'loan-syndication';
  input: unknown;
  participants: Record<string, string>;
  initiator: string;
  /** Scripts and ledger rules, set before any workflow starts. */
  setup?: (ledger: Ledger, stubs: StubMembers) => void;
}

export const TRADE = { buyer: 'buyer', seller: 'seller', bank: 'bank' };
const LOAN = { arranger: 'bank', lender1: 'buyer', lender2: 'seller' };

let env: TemporalEnv | undefined;

/** Starts one Temporal dev server for the calling test file before its tests, and stops it after them. */
export function useTemporalEnv(): void {
  beforeAll(async () => {
    env = await TemporalEnv.start();
  }, 300_000);
  afterAll(async () => {
    await env?.stop();
  });
}

/** The test file's Temporal dev server (see useTemporalEnv). */
export function temporal(): TemporalEnv {
  if (!env) throw new Error('no Temporal dev server: call useTemporalEnv() at the top of the test file');
  return env;
}

/** Starts one workflow per member on a fresh worker, runs `body`, then stops the worker. */
export async function withProcess(scenario: Scenario, body: (run: Run) => Promise<void>): Promise<void> {
  const processId = randomUUID();
  const ledger = new Ledger();
  const stubs = new StubMembers(ledger);
  scenario.setup?.(ledger, stubs);
  const taskQueue = `process-${processId}`;
  const worker = await temporal().worker(taskQueue, stubs.activities());
  await worker.runUntil(async () => {
    const handles: Record<string, Handle> = {};
    const members = participantMembers(scenario.participants);
    // The initiator last, as the other members' dispatchers start theirs on its first pin.
    for (const member of [...members.filter((m) => m !== scenario.initiator), scenario.initiator]) {
      const args: ProcessArgs = {
        processId,
        processType: scenario.processType,
        member,
        initiator: scenario.initiator,
        input: scenario.input,
        participants: scenario.participants,
        initiate: member === scenario.initiator,
      };
      const options = processWorkflowOptions({ ...args });
      handles[member] = await temporal().client.workflow.start<typeof processWorkflow>(PROCESS_WORKFLOW, {
        ...options,
        taskQueue,
        args: [args],
      });
    }
    ledger.attach(handles);
    const results = async () => {
      const states = await Promise.all(members.map((m) => handles[m].result()));
      return Object.fromEntries(members.map((m, i) => [m, states[i]]));
    };
    const state = (member: string) => handles[member].query(processStateQuery);
    await body({ processId, ledger, stubs, handles, results, state });
    await ledger.flushed();
    expect(ledger.errors).toEqual([]);
  });
}

/** What every member must agree on. */
function shared(s: ProcessState) {
  const { member: _member, ...rest } = s;
  return rest;
}

export function expectAllAgree(results: Record<string, ProcessState>): ProcessState {
  const [first, ...others] = Object.values(results);
  for (const other of others) expect(shared(other)).toEqual(shared(first));
  return first;
}

export async function stepIs(run: Run, member: string, step: string, status: string): Promise<ProcessState> {
  return eventually(`${step} ${status} at ${member}`, async () => {
    const s = await run.state(member);
    return s.steps.find((x) => x.name === step)?.status === status ? s : undefined;
  });
}

export async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

export function kinds(messages: readonly LedgerMessage[]): string[] {
  return messages.map((m) => `${m.kind}${'step' in m ? ` ${m.step}` : ''} by ${m.author}`);
}

export const trade = (amount: number, setup?: Scenario['setup']): Scenario => ({
  processType: 'trade-settlement',
  input: { item: 'steel coil', quantity: 3, amount },
  participants: TRADE,
  initiator: 'buyer',
  setup: (ledger, stubs) => {
    stubs.run.approveFinancing = (r) =>
      (r.input as { amount: number }).amount > BUYER_CREDIT_LIMIT
        ? { outcome: 'rejected', reason: 'over the credit limit' }
        : { outcome: 'done', output: { financed: true } };
    setup?.(ledger, stubs);
  },
});

export const loan = (input: Record<string, unknown> = {}, setup?: Scenario['setup']): Scenario => ({
  processType: 'loan-syndication',
  input: { borrower: 'ACME', amount: 5_000_000, ...input },
  participants: LOAN,
  initiator: 'bank',
  setup,
});
