import type { ProcessTypeDefinition } from './types.js';

/**
 * A loan arranged by one bank and funded by two lenders, who approve in
 * parallel (each a person's decision, each with a deadline). Either lender
 * rejecting, or a deadline passing, rolls the syndication back.
 */
export const loanSyndication: ProcessTypeDefinition = {
  name: 'loan-syndication',
  description: 'The arranger proposes terms, two lenders approve in parallel, the arranger signs and disburses.',
  roles: ['arranger', 'lender1', 'lender2'],
  steps: [
    {
      name: 'propose-terms',
      owner: 'arranger',
      action: 'proposeTerms',
      compensation: 'withdrawTerms',
      description: 'The arranger proposes the terms to the lenders.',
    },
    {
      name: 'approve-lender1',
      owner: 'lender1',
      decision: true,
      action: 'commitFunds',
      compensation: 'releaseFunds',
      after: ['propose-terms'],
      deadline: { inputField: 'approvalDeadlineSeconds' },
      description: 'A person at the first lender approves its share; its funds are committed.',
    },
    {
      name: 'approve-lender2',
      owner: 'lender2',
      decision: true,
      action: 'commitFunds',
      compensation: 'releaseFunds',
      after: ['propose-terms'],
      deadline: { inputField: 'approvalDeadlineSeconds' },
      description: 'A person at the second lender approves its share; its funds are committed.',
    },
    {
      name: 'sign-agreement',
      owner: 'arranger',
      action: 'signAgreement',
      compensation: 'voidAgreement',
      after: ['approve-lender1', 'approve-lender2'],
      description: 'The arranger signs the agreement once both lenders approved.',
    },
    {
      name: 'disburse',
      owner: 'arranger',
      action: 'disburse',
      description: 'The arranger pays the loan out to the borrower.',
    },
  ],
  inputSchema: {
    type: 'object',
    required: ['borrower', 'amount'],
    additionalProperties: false,
    properties: {
      borrower: { type: 'string', minLength: 1, maxLength: 200 },
      amount: { type: 'number', exclusiveMinimum: 0 },
      approvalDeadlineSeconds: { type: 'number', exclusiveMinimum: 0, description: 'time each lender has to decide' },
      withdrawalBlockedUntil: {
        type: 'string',
        format: 'date-time',
        description:
          'demo: the arranger cannot withdraw its terms before this time (a compensation that fails, then is retried)',
      },
    },
  },
  validateInput(input) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['input must be an object'];
    const { borrower, amount, approvalDeadlineSeconds, withdrawalBlockedUntil, ...rest } = input as Record<
      string,
      unknown
    >;
    const problems: string[] = [];
    if (typeof borrower !== 'string' || borrower.length === 0 || borrower.length > 200)
      problems.push('input.borrower must be a non-empty string of at most 200 characters');
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0)
      problems.push('input.amount must be a number greater than 0');
    if (
      approvalDeadlineSeconds !== undefined &&
      (typeof approvalDeadlineSeconds !== 'number' ||
        !(approvalDeadlineSeconds > 0) ||
        approvalDeadlineSeconds > 30 * 86400)
    )
      problems.push('input.approvalDeadlineSeconds must be a number of seconds between 0 and 30 days');
    if (
      withdrawalBlockedUntil !== undefined &&
      (typeof withdrawalBlockedUntil !== 'string' || Number.isNaN(Date.parse(withdrawalBlockedUntil)))
    )
      problems.push('input.withdrawalBlockedUntil must be a date-time');
    for (const key of Object.keys(rest)) problems.push(`input.${key} is not a known field`);
    return problems;
  },
};
