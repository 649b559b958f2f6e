import { Module, type DynamicModule } from '@nestjs/common';
import type { ConsoleConfig } from '@dss/config/pure';
import { ConsoleApiController } from './console-api.controller.js';
import { loadAssets } from './console-assets.js';
import { ConsoleAuth } from './console-auth.js';
import { ConsoleHealthController } from './console-health.controller.js';
import { ConsoleOverview } from './console-overview.service.js';
import { CONSOLE_ASSETS, ConsolePagesController } from './console-pages.controller.js';
import { CONSOLE_CONFIG, DaemonClient } from './daemon-client.service.js';

export interface ConsoleModuleOptions {
  readonly config: ConsoleConfig;
  /** The directory of the pages (libs/console/public in the source tree and in a release). */
  readonly assetsDir: string;
}

/** The operator console (docs/console.md): its pages, its API, and the pass-through to the daemons. */
@Module({})
export class ConsoleModule {
  static forRoot(options: ConsoleModuleOptions): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [ConsoleHealthController, ConsolePagesController, ConsoleApiController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: options.config },
        { provide: CONSOLE_ASSETS, useFactory: () => loadAssets(options.assetsDir) },
        {
          provide: ConsoleAuth,
          useFactory: (config: ConsoleConfig) => new ConsoleAuth(config),
          inject: [CONSOLE_CONFIG],
        },
        DaemonClient,
        ConsoleOverview,
      ],
    };
  }
}
