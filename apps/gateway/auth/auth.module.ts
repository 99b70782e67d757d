import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ConfigError, type MemberConfig } from '../../shared/config.js';
import { CONFIG } from '../core/tokens.js';
import { AppAuthenticator } from './app-auth.js';
import { AppAuthGuard } from './app-auth.guard.js';

/** App authentication for REST (a global guard) and for /ws (the events gateway asks the authenticator). */
@Global()
@Module({
  providers: [
    {
      provide: AppAuthenticator,
      inject: [CONFIG],
      useFactory: ({ appAuth }: MemberConfig) => {
        const authenticator = new AppAuthenticator(appAuth);
        if (appAuth.enabled && !authenticator.configured)
          throw new ConfigError(
            'APP_AUTH is on but no app credentials are configured: set APP_API_KEYS (or APP_API_KEYS_FILE), ' +
              'APP_JWT_SECRET (or APP_JWT_SECRET_FILE) or APP_JWT_PUBLIC_KEY_FILE; or APP_AUTH=off for a closed demo network',
          );
        return authenticator;
      },
    },
    { provide: APP_GUARD, useClass: AppAuthGuard },
  ],
  exports: [AppAuthenticator],
})
export class AuthModule {}
