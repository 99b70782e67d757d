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
      invoice: {
        type: 'object',
        description: 'Optional document travelling with the process: a blob stored with POST /api/v1/data',
        required: ['blob'],
        additionalProperties: false,
        properties: {
          blob: {
            type: 'object',
            required: ['id', 'hash'],
            additionalProperties: false,
            properties: { id: { type: 'string' }, hash: { type: 'string', pattern: '^0x[0-9a-f]{64}$' } },
          },
        },
      },
    },
  },
  validateInput(input) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['input must be an object'];
    const { item, quantity, amount, invoice, ...rest } = input as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof item !== 'string' || item.length === 0 || item.length > 200)
      problems.push('input.item must be a non-empty string of at most 200 characters');
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity <= 0)
      problems.push('input.quantity must be an integer greater than 0');
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0)
      problems.push('input.amount must be a number greater than 0');
    if (invoice !== undefined && !isBlobRef(invoice))
      problems.push('input.invoice must be { "blob": { "id": ..., "hash": "0x..." } } (a blob from POST /api/v1/data)');
    for (const key of Object.keys(rest)) problems.push(`input.${key} is not a known field`);
    return problems;
  },
};

function isBlobRef(value: unknown): boolean {
  const blob = (value as { blob?: { id?: unknown; hash?: unknown } } | null)?.blob;
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof blob === 'object' &&
    blob !== null &&
    Object.keys(blob).length === 2 &&
    typeof blob.id === 'string' &&
    typeof blob.hash === 'string' &&
    /^0x[0-9a-f]{64}$/.test(blob.hash)
  );
}
