import { Module, type DynamicModule } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';

/**
 * How often the event-loop lag histogram samples (prom-client's default is 10 ms). Each
 * sample is a timer that wakes an idle daemon: at 10 ms, 100 wake-ups a second per daemon,
 * 1,200 between the twelve of a local cluster, each one taking a core from a busy daemon. A lag
 * worth alerting on lasts far longer than 100 ms, and a sample still measures it to the
 * nanosecond.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

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
          defaultMetrics: {
            enabled: register.getSingleMetric('process_cpu_user_seconds_total') === undefined,
            config: { eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS },
          },
        }),
      ],
      exports: [PrometheusModule],
    };
  }
}
