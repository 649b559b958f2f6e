import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ConsoleConfig } from '@dss/config/pure';
import { ConsoleModule } from '@dss/console';
import { ApiExceptionFilter } from '@dss/http';
import { MetricsModule } from '@dss/metrics';

/** The console process: its module, the metrics every DSS process serves, and the API's error envelope. */
@Module({})
export class ConsoleAppModule {
  static forRoot(config: ConsoleConfig, assetsDir: string): DynamicModule {
    return {
      module: ConsoleAppModule,
      imports: [
        MetricsModule.forRoot({ node: config.self.id, role: 'console' }),
        ConsoleModule.forRoot({ config, assetsDir }),
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
