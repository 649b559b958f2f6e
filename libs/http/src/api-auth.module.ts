import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { ApiTokens } from '@dss/config';
import { METRIC_HTTP_AUTH_FAILURES } from '@dss/metrics';
import { API_TOKENS, ApiTokenGuard } from './api-token.guard.js';

/** The client API's bearer-token check (a global guard); open when `tokens` is undefined. Needs MetricsModule. */
@Module({})
export class ApiAuthModule {
  static forRoot(tokens: ApiTokens | undefined): DynamicModule {
    return {
      module: ApiAuthModule,
      providers: [
        { provide: API_TOKENS, useValue: tokens },
        makeCounterProvider({
          name: METRIC_HTTP_AUTH_FAILURES,
          help: 'Client requests refused for their token, by reason (missing, invalid, read_only).',
          labelNames: ['reason'],
        }),
        { provide: APP_GUARD, useClass: ApiTokenGuard },
      ],
    };
  }
}
