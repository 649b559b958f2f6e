import { Module, type DynamicModule, type InjectionToken, type OptionalFactoryDependency } from '@nestjs/common';
import type { NodeConfig } from './load-config.js';

/** Injection token of the resolved NodeConfig. */
export const DSS_CONFIG = Symbol('DSS_CONFIG');

export interface ConfigModuleAsyncOptions {
  imports?: DynamicModule['imports'];
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (...args: never[]) => NodeConfig | Promise<NodeConfig>;
}

/**
 * Makes the validated NodeConfig injectable everywhere. The daemon loads and
 * validates it before Nest starts, so a bad value never half-starts a process.
 */
@Module({})
export class ConfigModule {
  static forRoot(config: NodeConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: DSS_CONFIG, useValue: config }],
      exports: [DSS_CONFIG],
    };
  }

  static forRootAsync(options: ConfigModuleAsyncOptions): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      imports: options.imports ?? [],
      providers: [{ provide: DSS_CONFIG, inject: options.inject ?? [], useFactory: options.useFactory }],
      exports: [DSS_CONFIG],
    };
  }
}
