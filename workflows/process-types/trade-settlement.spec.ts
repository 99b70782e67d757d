import { describe, expect, it } from 'vitest';
import { findProcessType } from './index.js';
import { tradeSettlement } from './trade-settlement.js';

const valid = { item: 'steel coil', quantity: 3, amount: 1200.5 };

describe('trade-settlement definition', () => {
  it('is registered under its name', () => {
    expect(findProcessType('trade-settlement')).toBe(tradeSettlement);
    expect(findProcessType('toString')).toBeUndefined();
  });

  it('has uniquely named steps, each owned by one of its roles', () => {
    const names = tradeSettlement.steps.map((s) => s.name);
    expect(names).toEqual(['place-order', 'reserve-stock', 'approve-financing', 'ship', 'confirm-receipt']);
    expect(new Set(names).size).toBe(names.length);
    for (const step of tradeSettlement.steps) expect(tradeSettlement.roles).toContain(step.owner);
  });
});

describe('trade-settlement input', () => {
  const validate = (input: unknown) => tradeSettlement.input.problems(input);

  it('accepts a valid input, including the boundaries', () => {
    expect(validate(valid)).toEqual([]);
    expect(validate({ item: 'x'.repeat(200), quantity: 1, amount: 0.01 })).toEqual([]);
  });

  it('accepts an invoice only as a blob reference', () => {
    const blob = { id: 'b1', hash: `0x${'ab'.repeat(32)}` };
    expect(validate({ ...valid, invoice: { blob } })).toEqual([]);
    const problem = 'input.invoice must be { "blob": { "id": ..., "hash": "0x..." } } (a blob from POST /api/v1/data)';
    for (const invoice of [null, 'x', { blob: { id: 'b1' } }, { blob: { ...blob, hash: '0x12' } }, { blob, more: 1 }])
      expect(validate({ ...valid, invoice })).toEqual([problem]);
  });

  it.each([null, undefined, 'order', 42, [valid]])('rejects %j as not an object', (input) => {
    expect(validate(input)).toEqual(['input must be an object']);
  });

  it('lists every missing field', () => {
    expect(validate({})).toEqual([
      'input.item must be a non-empty string of at most 200 characters',
      'input.quantity must be an integer greater than 0',
      'input.amount must be a number greater than 0',
    ]);
  });

  it.each(['', 'x'.repeat(201), 7])('rejects item %j', (item) => {
    expect(validate({ ...valid, item })).toEqual(['input.item must be a non-empty string of at most 200 characters']);
  });

  it.each([0, -1, 1.5, '3', Number.NaN])('rejects quantity %j', (quantity) => {
    expect(validate({ ...valid, quantity })).toEqual(['input.quantity must be an integer greater than 0']);
  });

  it.each([0, -5, '10', Number.POSITIVE_INFINITY, Number.NaN])('rejects amount %j', (amount) => {
    expect(validate({ ...valid, amount })).toEqual(['input.amount must be a number greater than 0']);
  });

  it('names unknown fields', () => {
    expect(validate({ ...valid, currency: 'EUR', note: 'x' })).toEqual([
      'input.currency is not a known field',
      'input.note is not a known field',
    ]);
  });
});
