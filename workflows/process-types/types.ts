/**
 * Process type definitions: plain data plus a pure input check, so the
 * same module runs inside the workflow sandbox, the worker and the gateway.
 */
import type { ProcessInput } from './input-fields.js';

export interface StepDefinition {
  /** Stable name, unique within the process type (used in URLs and pins). */
  name: string;
  /** The role that performs the step; the member playing it runs `action`. */
  owner: string;
  /** Activity name the owning member implements; a decision step may have none. */
  action?: string;
  /** Activity that undoes `action`; a step without one has nothing to undo. */
  compensation?: string;
  description: string;
  /**
   * Steps that must be done before this one may start. Default: the step
   * before it in the list (none for the first). Steps whose `after` lists
   * are satisfied together run in parallel.
   */
  after?: readonly string[];
  /** A person at the owning member approves or rejects the step (then `action`, if any, runs). */
  decision?: boolean;
  /**
   * Time the step has once it may start; when it passes with no outcome on
   * the ledger, any member pins a timeout and the process compensates.
   * `seconds` is fixed; `inputField` names a number of seconds in the input.
   */
  deadline?: { seconds: number } | { inputField: string };
}

export interface ProcessTypeDefinition {
  name: string;
  description: string;
  roles: readonly string[];
  steps: readonly StepDefinition[];
  /** The input a process of this type starts with: its schema, its check and its type (input-fields.ts). */
  input: ProcessInput<unknown>;
}

/** The steps `step` waits for: its `after` list, or else the step before it. */
export function stepDependencies(type: ProcessTypeDefinition, index: number): readonly string[] {
  const step = type.steps[index];
  if (step.after) return step.after;
  return index === 0 ? [] : [type.steps[index - 1].name];
}

/** The step's deadline in milliseconds for this input, if it has one. */
export function stepDeadlineMs(step: StepDefinition, input: unknown): number | undefined {
  if (!step.deadline) return undefined;
  const seconds =
    'seconds' in step.deadline
      ? step.deadline.seconds
      : (input as Record<string, unknown> | null)?.[step.deadline.inputField];
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : undefined;
}

/** Problems with a definition (unknown or later dependencies, duplicate names); empty when sound. */
export function checkDefinition(type: ProcessTypeDefinition): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  type.steps.forEach((step, i) => {
    if (seen.has(step.name)) problems.push(`step ${step.name} is defined twice`);
    if (!type.roles.includes(step.owner)) problems.push(`step ${step.name}: owner ${step.owner} is not a role`);
    if (!step.action && !step.decision) problems.push(`step ${step.name} has neither an action nor a decision`);
    for (const dep of stepDependencies(type, i))
      if (!seen.has(dep)) problems.push(`step ${step.name} waits for ${dep}, which is not an earlier step`);
    seen.add(step.name);
  });
  return problems;
}
