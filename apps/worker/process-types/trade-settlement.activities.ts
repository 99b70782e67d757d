import type { DataSource } from 'typeorm';
import { BUYER_CREDIT_LIMIT, tradeInput, type TradeInput } from '../../../workflows/process-types/trade-settlement.js';
import { recordEffect, stepInput, type StepImplementation } from './effects.js';

/**
 * The demo members' "own systems" for trade-settlement: each effect is a row
 * in the acting member's database, so tests can see it happen and be undone once.
 */
export function tradeSettlementActivities(ds: DataSource): Record<string, StepImplementation> {
  const effect =
    (kind: 'action' | 'compensation', describe: (input: TradeInput) => string): StepImplementation =>
    async (request) => {
      const input = stepInput(tradeInput, request);
      await recordEffect(ds, request, kind, describe(input));
      return { outcome: 'done', output: { [kind === 'action' ? 'done' : 'undone']: describe(input) } };
    };
  return {
    placeOrder: effect('action', (i) => `order placed: ${i.quantity} x ${i.item} for ${i.amount}`),
    cancelOrder: effect('compensation', (i) => `order cancelled: ${i.quantity} x ${i.item}`),
    reserveStock: effect('action', (i) => `stock reserved: ${i.quantity} x ${i.item}`),
    releaseStock: effect('compensation', (i) => `stock released: ${i.quantity} x ${i.item}`),
    approveFinancing: async (request) => {
      const input = stepInput(tradeInput, request);
      if (input.amount > BUYER_CREDIT_LIMIT)
        return {
          outcome: 'rejected',
          reason: `amount ${input.amount} exceeds the buyer's credit limit of ${BUYER_CREDIT_LIMIT}`,
        };
      return effect('action', (i) => `financing approved: ${i.amount}`)(request);
    },
    revokeFinancing: effect('compensation', (i) => `financing revoked: ${i.amount}`),
    ship: effect('action', (i) => `shipped: ${i.quantity} x ${i.item}`),
    recallShipment: effect('compensation', (i) => `shipment recalled: ${i.quantity} x ${i.item}`),
    confirmReceipt: effect('action', (i) => `receipt confirmed: ${i.quantity} x ${i.item}`),
  };
}
