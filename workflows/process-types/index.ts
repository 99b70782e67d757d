import { loanSyndication } from './loan-syndication.js';
import { tradeSettlement } from './trade-settlement.js';
import type { ProcessTypeDefinition } from './types.js';

export type { ProcessTypeDefinition, StepDefinition } from './types.js';
export { checkDefinition, stepDeadlineMs, stepDependencies } from './types.js';

/** Every process type this network knows; adding one needs no other change. */
export const PROCESS_TYPES: Readonly<Record<string, ProcessTypeDefinition>> = {
  [tradeSettlement.name]: tradeSettlement,
  [loanSyndication.name]: loanSyndication,
};

export function findProcessType(name: string): ProcessTypeDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(PROCESS_TYPES, name) ? PROCESS_TYPES[name] : undefined;
}
