import { HttpException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerStorageService } from '@nestjs/throttler';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../shared/app-keys.js';
import type { MemberConfig } from '../../shared/config.js';
import { AppAuthenticator } from '../auth/app-auth.js';
import { MemberRoute } from './member-route.decorator.js';
import { throttlerOptions } from './rate-limit.module.js';

class Routes {
  app(this: void) {}
  @MemberRoute()
  member(this: void) {}
}

const apiKeys = [
  { name: 'erp', scopes: ['read' as const, 'write' as const], sha256: hashApiKey('erp-key') },
  { name: 'report', scopes: ['read' as const], sha256: hashApiKey('report-key') },
];

/** The throttler guard as the gateway builds it, over a fresh store. */
async function guardFor(rateLimits: MemberConfig['rateLimits'], appAuth = true) {
  const config = { rateLimits, appAuth: { enabled: appAuth, apiKeys } } as MemberConfig;
  const storage = new ThrottlerStorageService();
  const reflector = new Reflector();
  const guard = new ThrottlerGuard(
    throttlerOptions(config, new AppAuthenticator({ apiKeys }), reflector),
    storage,
    reflector,
  );
  await guard.onModuleInit();
  stores.push(storage);
  /** What one request is answered: `pass`, or the 429's message and Retry-After. */
  return async ({
    key,
    ip = '10.1.1.1',
    route = 'app',
    type = 'http',
  }: {
    key?: string;
    ip?: string;
    route?: 'app' | 'member';
    type?: 'http' | 'ws';
  }): Promise<'pass' | { status: number; message: string; retryAfter: unknown }> => {
    const headers: Record<string, unknown> = {};
    const req = { ip, headers: key ? { authorization: `Bearer ${key}` } : {}, socket: {} };
    const res = { header: (name: string, value: unknown) => (headers[name] = value) };
    const context = {
      getType: () => type,
      getClass: () => Routes,
      getHandler: () => Routes.prototype[route],
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ExecutionContext;
    try {
      await guard.canActivate(context);
      return 'pass';
    } catch (err) {
      if (!(err instanceof HttpException)) throw err;
      return { status: err.getStatus(), message: err.message, retryAfter: headers['Retry-After'] };
    }
  };
}

const stores: ThrottlerStorageService[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.onApplicationShutdown()));

const LIMITS = { windowMs: 10_000, app: 5, anonymous: 3, member: 7 };

async function times<T>(n: number, request: () => Promise<T>): Promise<T[]> {
  const answers: T[] = [];
  for (let i = 0; i < n; i++) answers.push(await request());
  return answers;
}

describe('request limits', () => {
  it('answers 429 with Retry-After past the anonymous limit of an address, and serves apps meanwhile', async () => {
    const request = await guardFor(LIMITS);
    expect(await times(3, () => request({}))).toEqual(['pass', 'pass', 'pass']);
    const refused = await request({});
    expect(refused).toMatchObject({ status: 429, retryAfter: 10 });
    expect((refused as { message: string }).message).toBe(
      'address 10.1.1.1 (without valid app credentials) made more than 3 requests in 10 s: try again in 10 s',
    );
    // Refused credentials count as none.
    expect(await request({ key: 'wrong-key' })).toMatchObject({ status: 429 });
    expect(await request({ key: 'erp-key' })).toBe('pass');
    expect(await request({ ip: '10.1.1.2' })).toBe('pass');
  });

  it('counts an app across addresses, apart from other apps', async () => {
    const request = await guardFor(LIMITS);
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
    for (const ip of ips) expect(await request({ key: 'report-key', ip })).toBe('pass');
    const refused = await request({ key: 'report-key', ip: '10.0.0.6' });
    expect(refused).toMatchObject({ status: 429 });
    expect((refused as { message: string }).message).toMatch(/^app "report" made more than 5 requests/);
    expect(await request({ key: 'erp-key' })).toBe('pass');
  });

  it('counts member routes per address under their own limit', async () => {
    const request = await guardFor(LIMITS);
    await times(3, () => request({}));
    expect(await request({})).toMatchObject({ status: 429 });
    expect(await times(7, () => request({ route: 'member' }))).toEqual(Array(7).fill('pass'));
    expect(await request({ route: 'member' })).toMatchObject({ status: 429 });
  });

  it('gives an address the app limit when APP_AUTH is off, and no limit where it is 0', async () => {
    const open = await guardFor(LIMITS, false);
    expect(await times(5, () => open({}))).toEqual(Array(5).fill('pass'));
    expect(await open({})).toMatchObject({ status: 429 });
    const unlimited = await guardFor({ ...LIMITS, anonymous: 0 });
    expect(await times(50, () => unlimited({}))).toEqual(Array(50).fill('pass'));
  });

  it('leaves /ws frames to the limits of /ws', async () => {
    const request = await guardFor(LIMITS);
    expect(await times(10, () => request({ type: 'ws' }))).toEqual(Array(10).fill('pass'));
  });
});
