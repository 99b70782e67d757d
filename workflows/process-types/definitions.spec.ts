import { describe, expect, it } from 'vitest';
import { checkDefinition, PROCESS_TYPES, stepDeadlineMs, stepDependencies } from './index.js';
import { loanSyndication } from './loan-syndication.js';
import type { ProcessTypeDefinition } from './types.js';

describe('process type definitions', () => {
  it.each(Object.values(PROCESS_TYPES))('$name is sound', (type) => {
    expect(checkDefinition(type)).toEqual([]);
  });

  it('defaults a step to waiting for the one before it, and runs steps with the same `after` in parallel', () => {
    expect(loanSyndication.steps.map((_, i) => stepDependencies(loanSyndication, i))).toEqual([
      [],
      ['propose-terms'],
      ['propose-terms'],
      ['approve-lender1', 'approve-lender2'],
      ['sign-agreement'],
    ]);
  });

  it('reads a deadline from the input when the step says so', () => {
    const approve = loanSyndication.steps[1];
    expect(stepDeadlineMs(approve, { approvalDeadlineSeconds: 2.5 })).toBe(2500);
    expect(stepDeadlineMs(approve, {})).toBeUndefined();
    expect(stepDeadlineMs(loanSyndication.steps[0], { approvalDeadlineSeconds: 2 })).toBeUndefined();
  });

  it('reports unsound definitions', () => {
    const broken: ProcessTypeDefinition = {
      ...loanSyndication,
      steps: [
        { name: 'a', owner: 'arranger', action: 'x', after: ['b'], description: '' },
        { name: 'b', owner: 'nobody', description: '' },
        { name: 'b', owner: 'arranger', action: 'y', description: '' },
      ],
    };
    expect(checkDefinition(broken)).toEqual([
      'step a waits for b, which is not an earlier step',
      'step b: owner nobody is not a role',
      'step b has neither an action nor a decision',
      'step b is defined twice',
    ]);
  });
});
