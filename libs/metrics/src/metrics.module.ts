import { Module, type DynamicModule } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';

export interface MetricsModuleOptions {
  /** Labels on every series of this process, so nine daemons stay apart in one Prometheus. */
  readonly node: string;
  readonly role: string;
}

/**
 * GET /metrics with the default process and Node.js metrics, every series
 * labelled with node and role. DSS metrics are registered by the module that
 * owns them (makeCounterProvider & co.) and named with the `dss_` prefix.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsModuleOptions): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      imports: [
        PrometheusModule.register({
          global: true,
          path: '/metrics',
          defaultLabels: { node: options.node, role: options.role },
          // prom-client throws when default metrics are collected twice in one
          // process (two apps in one test); the first app's collectors serve both.
          defaultMetrics: { enabled: register.getSingleMetric('process_cpu_user_seconds_total') === undefined },
        }),
      ],
      exports: [PrometheusModule],
    };
  }
}
