import { dateTime, nonEmptyText, optional, positiveNumber, processInput, type InputType } from './input-fields.js';
import type { ProcessTypeDefinition } from './types.js';

/** What a syndication starts with: the borrower, the amount, and the lenders' time to decide. */
export const loanInput = processInput({
  borrower: nonEmptyText(200),
  amount: positiveNumber(),
  approvalDeadlineSeconds: optional(
    positiveNumber({
      maximum: 30 * 86400,
      mustBe: 'a number of seconds between 0 and 30 days',
      description: 'time each lender has to decide',
    }),
  ),
  withdrawalBlockedUntil: optional(
    dateTime(
      'demo: the arranger cannot withdraw its terms before this time (a compensation that fails, then is retried)',
    ),
  ),
});
export type LoanInput = InputType<typeof loanInput>;

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
  input: loanInput,
};
