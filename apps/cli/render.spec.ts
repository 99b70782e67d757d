import { describe, expect, it } from 'vitest';
import type { ProcessView } from '../shared/api/process-view.js';
import {
  changedLines,
  errorText,
  eventLine,
  pinsText,
  processDetails,
  processTable,
  progressLines,
  table,
} from './render.js';

const view = (over: Partial<ProcessView> = {}): ProcessView => ({
  id: 'p1',
  type: 'trade-settlement',
  status: 'compensated',
  member: 'buyer',
  initiator: 'buyer',
  participants: { buyer: 'buyer', seller: 'seller', bank: 'acme' },
  input: { item: 'steel', quantity: 1, amount: 1 },
  steps: [
    { name: 'place-order', owner: 'buyer', member: 'buyer', status: 'compensated', pin: 3, compensationPin: 7 },
    { name: 'approve-financing', owner: 'bank', member: 'acme', status: 'rejected', pin: 5, reason: 'too much' },
    { name: 'ship', owner: 'seller', member: 'seller', status: 'pending' },
  ],
  reason: 'too much',
  rejectedBy: 'acme',
  cancellations: [],
  digest: '0xabc',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  workflow: { namespace: 'buyer', workflowId: 'w', url: 'http://ui/w' },
  ...over,
});

describe('render', () => {
  it('lays out a table in padded columns', () => {
    expect(
      table(
        ['ID', 'STATUS'],
        [
          ['a-long-id', 'done'],
          ['b', 'pending'],
        ],
      ),
    ).toBe(['ID         STATUS', 'a-long-id  done', 'b          pending'].join('\n'));
  });

  it('prints API errors as `error <code>: <message>` with details below', () => {
    expect(errorText('invalid-input', 'the process input is not valid', ['amount is required'])).toBe(
      'error invalid-input: the process input is not valid\n  - amount is required',
    );
  });

  it('shows a step per line with its member, role when it differs, status and pins', () => {
    const lines = progressLines(view());
    expect(lines.map((l) => l.key)).toEqual([
      'process',
      'step:place-order',
      'step:approve-financing',
      'step:ship',
      'reason',
    ]);
    expect(lines.map((l) => l.text)).toEqual([
      'process p1 (trade-settlement): compensated',
      '  place-order        buyer        compensated  pin 3, compensation pin 7',
      '  approve-financing  acme (bank)  rejected     pin 5  too much',
      '  ship               seller       pending      -',
      '  reason: too much (by acme)',
    ]);
    expect(pinsText({})).toBe('-');
  });

  it('reprints only the lines that changed', () => {
    const printed = new Map(progressLines(view({ status: 'running' })).map((l) => [l.key, l.text]));
    expect(changedLines(printed, progressLines(view())).map((l) => l.key)).toEqual(['process']);
  });

  it('details a process with its digest and Temporal UI link', () => {
    const text = processDetails(view());
    expect(text).toContain('digest:        0xabc');
    expect(text).toContain('temporal:      http://ui/w');
    expect(text).toContain('participants:  buyer, seller, bank=acme');
    expect(text).toMatch(/approve-financing\s+acme\s+bank\s+rejected\s+5\s+-\s+too much/);
  });

  it('lists processes with their progress', () => {
    expect(processTable([view()]).split('\n')[1]).toMatch(/^p1\s+trade-settlement\s+compensated\s+buyer\s+2\/3/);
  });

  it('summarises an event on one line', () => {
    expect(
      eventLine({
        id: 'e',
        sequence: 42,
        type: 'step-rejected',
        reference: 'p1',
        data: { status: 'running', step: 'approve-financing', pin: 5, author: 'bank', reason: 'too much' },
      }),
    ).toBe('#42  step-rejected  p1  status=running step=approve-financing pin=5 author=bank reason="too much"');
  });
});
