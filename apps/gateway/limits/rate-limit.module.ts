import { Module, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { MemberConfig } from '../../shared/config.js';
import { AppAuthenticator } from '../auth/app-auth.js';
import { CONFIG } from '../core/tokens.js';
import { MEMBER_ROUTE } from './member-route.decorator.js';
import { requestClient, tooManyRequests, type RequestClient } from './request-client.js';

/**
 * Request limits per client on every REST route (@nestjs/throttler, its
 * sliding window kept in this process's memory): RATE_LIMIT_* settings, a
 * 429 `too-many-requests` with Retry-After past them. /ws has limits of its
 * own (WS_MAX_*), and the liveness and readiness probes are not limited (a
 * probe answered 429 would read as a dead gateway).
 *
 * Its guard must run before AppAuthGuard (import this module before
 * AuthModule): refused credentials are counted too, as anonymous requests.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [CONFIG, AppAuthenticator, Reflector],
      useFactory: throttlerOptions,
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class RateLimitModule {}

export function throttlerOptions(
  config: MemberConfig,
  authenticator: AppAuthenticator,
  reflector: Reflector,
): ThrottlerModuleOptions {
  const { rateLimits } = config;
  // Each request is classified once: the throttler asks for its limit, its key and its message apart.
  const clients = new WeakMap<Request, RequestClient>();
  const clientOf = (context: ExecutionContext): RequestClient => {
    const req = context.switchToHttp().getRequest<Request>();
    let client = clients.get(req);
    if (!client) {
      const memberRoute =
        reflector.getAllAndOverride<boolean>(MEMBER_ROUTE, [context.getHandler(), context.getClass()]) === true;
      client = requestClient(rateLimits, {
        memberRoute,
        // Member routes are counted by address: no token of theirs is worth verifying.
        app: memberRoute ? undefined : appOf(authenticator, req),
        address: normalizeIp(req.ip ?? req.socket.remoteAddress ?? 'unknown', 64),
        appAuth: config.appAuth.enabled,
      });
      clients.set(req, client);
    }
    return client;
  };
  return {
    throttlers: [{ name: 'default', ttl: rateLimits.windowMs, limit: (context) => clientOf(context).limit }],
    skipIf: (context) => context.getType() !== 'http' || clientOf(context).limit === 0,
    getTracker: (_req, context) => clientOf(context).key,
    // One count per client across all routes (the library's default counts per route).
    generateKey: (_context, tracker) => tracker,
    errorMessage: (context, detail) =>
      tooManyRequests(clientOf(context), rateLimits.windowMs, detail.timeToBlockExpire),
  };
}

/** The app behind the request's credentials, when they are valid; AppAuthGuard says why when they are not. */
function appOf(authenticator: AppAuthenticator, req: Request): string | undefined {
  try {
    return authenticator.authenticateRequest(req).app;
  } catch {
    return undefined;
  }
}
