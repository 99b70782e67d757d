import { describe, expect, it } from 'vitest';
import { optional, positiveNumber, processInput } from './input-fields.js';
import { loanSyndication } from './loan-syndication.js';
import { tradeSettlement } from './trade-settlement.js';

describe('processInput', () => {
  const input = processInput({ amount: positiveNumber(), limit: optional(positiveNumber({ maximum: 10 })) });

  it('documents exactly the fields it checks: required unless optional, nothing else allowed', () => {
    expect(input.schema).toEqual({
      type: 'object',
      required: ['amount'],
      additionalProperties: false,
      properties: {
        amount: { type: 'number', exclusiveMinimum: 0 },
        limit: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
      },
    });
  });

  it('lets an optional field be left out, not be wrong', () => {
    expect(input.accepts({ amount: 1 })).toBe(true);
    expect(input.problems({ amount: 1, limit: 11 })).toEqual([
      'input.limit must be a number greater than 0 and at most 10',
    ]);
    expect(input.accepts({ amount: 1, limit: 11 })).toBe(false);
  });
});

describe('trade-settlement input schema', () => {
  it('is what GET /api/v1/process-types has always shown', () => {
    expect(tradeSettlement.input.schema).toEqual({
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
    });
  });
});

describe('loan-syndication input', () => {
  const validate = (input: unknown) => loanSyndication.input.problems(input);
  const valid = { borrower: 'acme', amount: 1_000_000 };

  it('takes a deadline of up to 30 days and a date-time', () => {
    expect(
      validate({ ...valid, approvalDeadlineSeconds: 30 * 86400, withdrawalBlockedUntil: '2026-01-01T00:00:00Z' }),
    ).toEqual([]);
    expect(validate({ ...valid, approvalDeadlineSeconds: 30 * 86400 + 1, withdrawalBlockedUntil: 'soon' })).toEqual([
      'input.approvalDeadlineSeconds must be a number of seconds between 0 and 30 days',
      'input.withdrawalBlockedUntil must be a date-time',
    ]);
  });

  it('lists every missing field and names unknown ones', () => {
    expect(validate({ lender: 'x' })).toEqual([
      'input.borrower must be a non-empty string of at most 200 characters',
      'input.amount must be a number greater than 0',
      'input.lender is not a known field',
    ]);
  });
});
