import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { loanInput, type LoanInput } from '../../../workflows/process-types/loan-syndication.js';
import { recordEffect, stepInput, type StepImplementation } from './effects.js';

/** The demo members' systems for loan-syndication: each effect is a row in the acting member's database. */
export function loanSyndicationActivities(ds: DataSource): Record<string, StepImplementation> {
  const effect =
    (kind: 'action' | 'compensation', describe: (input: LoanInput) => string): StepImplementation =>
    async (request) => {
      const input = stepInput(loanInput, request);
      await recordEffect(ds, request, kind, describe(input));
      return { outcome: 'done', output: { [kind === 'action' ? 'done' : 'undone']: describe(input) } };
    };
  const share = (i: LoanInput) => i.amount / 2;
  return {
    proposeTerms: effect('action', (i) => `terms proposed: ${i.amount} to ${i.borrower}`),
    withdrawTerms: async (request) => {
      const blockedUntil = stepInput(loanInput, request).withdrawalBlockedUntil;
      if (blockedUntil && Date.now() < Date.parse(blockedUntil))
        throw ApplicationFailure.nonRetryable(`terms cannot be withdrawn before ${blockedUntil}`, 'WithdrawalBlocked');
      return effect('compensation', (i) => `terms withdrawn: ${i.amount} to ${i.borrower}`)(request);
    },
    commitFunds: effect('action', (i) => `funds committed: ${share(i)} for ${i.borrower}`),
    releaseFunds: effect('compensation', (i) => `funds released: ${share(i)} for ${i.borrower}`),
    signAgreement: effect('action', (i) => `agreement signed with ${i.borrower}`),
    voidAgreement: effect('compensation', (i) => `agreement voided with ${i.borrower}`),
    disburse: effect('action', (i) => `disbursed ${i.amount} to ${i.borrower}`),
  };
}
