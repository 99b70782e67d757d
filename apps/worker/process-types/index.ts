import type { DataSource } from 'typeorm';
import type { StepImplementation } from './effects.js';
import { loanSyndicationActivities } from './loan-syndication.activities.js';
import { tradeSettlementActivities } from './trade-settlement.activities.js';

/** process type -> activity name -> this member's implementation. */
export type StepImplementations = Record<string, Record<string, StepImplementation>>;

export function memberStepImplementations(ds: DataSource): StepImplementations {
  return { 'trade-settlement': tradeSettlementActivities(ds), 'loan-syndication': loanSyndicationActivities(ds) };
}
