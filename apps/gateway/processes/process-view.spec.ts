import { describe, expect, it } from 'vitest';
import type { ProcessRecord } from '../../shared/db/entities.js';
import { processDigest } from './process-view.js';

const row = (over: Partial<ProcessRecord> = {}): ProcessRecord => ({
  id: 'p1',
  type: 'loan-syndication',
  status: 'compensated',
  initiator: 'bank',
  participants: { arranger: 'bank' },
  input: { borrower: 'acme' },
  steps: [{ name: 'propose-terms', owner: 'arranger', member: 'bank', status: 'compensated', pin: 3, output: {} }],
  reason: 'no',
  rejectedBy: 'buyer',
  startPin: 1,
  cancellations: [{ requestedBy: 'buyer', reason: 'no', pin: 4, outcome: 'accepted' }],
  failedStep: null,
  appliedIndex: 4,
  workflowId: 'loan-syndication/p1/bank',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('processDigest', () => {
  it('ignores what is local to a member: workflow id, times, step outputs', () => {
    const other = row({
      workflowId: 'loan-syndication/p1/buyer',
      updatedAt: '2027-01-01T00:00:00.000Z',
      steps: [{ name: 'propose-terms', owner: 'arranger', member: 'bank', status: 'compensated', pin: 3 }],
    });
    expect(processDigest(other)).toBe(processDigest(row()));
  });

  it('changes with anything decided on the ledger', () => {
    expect(processDigest(row({ status: 'failed' }))).not.toBe(processDigest(row()));
    expect(processDigest(row({ cancellations: [] }))).not.toBe(processDigest(row()));
    expect(processDigest(row({ reason: null }))).not.toBe(processDigest(row()));
  });
});
