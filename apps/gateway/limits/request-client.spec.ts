import { describe, expect, it } from 'vitest';
import { requestClient, tooManyRequests } from './request-client.js';

const limits = { windowMs: 10_000, app: 3000, anonymous: 300, member: 10_000 };
const from = (over: Partial<Parameters<typeof requestClient>[1]>) =>
  requestClient(limits, { memberRoute: false, address: '10.0.0.7', appAuth: true, ...over });

describe('requestClient', () => {
  it('counts an app by its name wherever it calls from, others by their address', () => {
    expect(from({ app: 'erp' })).toMatchObject({ kind: 'app', key: 'app:erp', limit: 3000 });
    expect(from({ app: 'erp', address: '10.0.0.8' }).key).toBe('app:erp');
    expect(from({})).toMatchObject({ kind: 'anonymous', key: 'anonymous@10.0.0.7', limit: 300 });
  });

  it('counts member routes per address under the member limit, whatever credentials they carry', () => {
    expect(from({ memberRoute: true })).toMatchObject({ kind: 'member', key: 'member@10.0.0.7', limit: 10_000 });
    expect(from({ memberRoute: true, app: 'erp' }).kind).toBe('member');
  });

  it('with APP_AUTH off, gives each address the limit of an app', () => {
    expect(from({ appAuth: false })).toMatchObject({ kind: 'app', key: 'app@10.0.0.7', limit: 3000 });
  });

  it('names the client, its limit and when to come back', () => {
    expect(tooManyRequests(from({ app: 'erp' }), 10_000, 4)).toBe(
      'app "erp" made more than 3000 requests in 10 s: try again in 4 s',
    );
    expect(tooManyRequests(from({}), 10_000, 9)).toMatch(/^address 10\.0\.0\.7 \(without valid app credentials\)/);
  });
});
