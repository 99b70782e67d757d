import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { MemberConfig } from '../../shared/config.js';
import { ApiError } from '../common/api-error.js';
import { CONFIG } from '../core/tokens.js';
import { AppAuthenticator, AuthError, requireScope, type AppPrincipal } from './app-auth.js';
import { PUBLIC_ROUTE } from './public.decorator.js';

export type AuthenticatedRequest = Request & { appPrincipal?: AppPrincipal };

/**
 * Every REST route needs app credentials unless marked @Public() or APP_AUTH
 * is off: GET and HEAD need the `read` scope, everything else `write`.
 */
@Injectable()
export class AppAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: AppAuthenticator,
    @Inject(CONFIG) private readonly config: MemberConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.config.appAuth.enabled) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]))
      return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    try {
      const principal = this.authenticator.authenticateRequest(request);
      requireScope(principal, request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
      request.appPrincipal = principal;
      return true;
    } catch (err) {
      if (err instanceof AuthError) throw new ApiError(err.status, err.code, err.message);
      throw err;
    }
  }
}
