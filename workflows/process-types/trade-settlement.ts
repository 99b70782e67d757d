import {
  blobRef,
  nonEmptyText,
  optional,
  positiveInteger,
  positiveNumber,
  processInput,
  type InputType,
} from './input-fields.js';
import type { ProcessTypeDefinition } from './types.js';

/** The buyer's credit limit that the bank enforces when it approves financing. */
export const BUYER_CREDIT_LIMIT = 1_000_000;

/** What a trade starts with: the goods, how many, the price, and an invoice if there is one. */
export const tradeInput = processInput({
  item: nonEmptyText(200),
  quantity: positiveInteger(),
  amount: positiveNumber(),
  invoice: optional(blobRef('Optional document travelling with the process: a blob stored with POST /api/v1/data')),
});
export type TradeInput = InputType<typeof tradeInput>;

/**
 * A trade between a buyer, a seller and a bank. The bank rejects financing
 * above the buyer's credit limit, which rolls back the order and the stock.
 */
export const tradeSettlement: ProcessTypeDefinition = {
  name: 'trade-settlement',
  description: 'Buyer orders, seller reserves stock, bank finances, seller ships, buyer confirms receipt.',
  roles: ['buyer', 'seller', 'bank'],
  steps: [
    {
      name: 'place-order',
      owner: 'buyer',
      action: 'placeOrder',
      compensation: 'cancelOrder',
      description: 'The buyer places the order.',
    },
    {
      name: 'reserve-stock',
      owner: 'seller',
      action: 'reserveStock',
      compensation: 'releaseStock',
      description: 'The seller reserves the stock.',
    },
    {
      name: 'approve-financing',
      owner: 'bank',
      action: 'approveFinancing',
      compensation: 'revokeFinancing',
      description: "The bank finances the trade within the buyer's credit limit.",
    },
    { name: 'ship', owner: 'seller', action: 'ship', compensation: 'recallShipment', description: 'The seller ships.' },
    { name: 'confirm-receipt', owner: 'buyer', action: 'confirmReceipt', description: 'The buyer confirms receipt.' },
  ],
  input: tradeInput,
};
