import type { ProcessTypeDefinition } from './types.js';

/** The buyer's credit limit that the bank enforces when it approves financing. */
export const BUYER_CREDIT_LIMIT = 1_000_000;

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
  inputSchema: {
    type: 'object',
    required: ['item', 'quantity', 'amount'],
    additionalProperties: false,
    properties: {
      item: { type: 'string', minLength: 1, maxLength: 200 },
      quantity: { type: 'integer', minimum: 1 },
      amount: { type: 'number', exclusiveMinimum: 0 },
    },
  },
  validateInput(input) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['input must be an object'];
    const { item, quantity, amount, ...rest } = input as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof item !== 'string' || item.length === 0 || item.length > 200)
      problems.push('input.item must be a non-empty string of at most 200 characters');
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity <= 0)
      problems.push('input.quantity must be an integer greater than 0');
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0)
      problems.push('input.amount must be a number greater than 0');
    for (const key of Object.keys(rest)) problems.push(`input.${key} is not a known field`);
    return problems;
  },
};
