import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';

export const REDIS_METRICS = {
  failovers: 'dss_redis_failovers_total',
  epoch: 'dss_redis_topology_epoch',
} as const;

export const redisMetricProviders = [
  makeCounterProvider({
    name: REDIS_METRICS.failovers,
    help: 'Redis failovers attempted by this node as lock leader, by outcome (done, refused).',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({ name: REDIS_METRICS.epoch, help: 'Epoch of the Redis topology applied on this lock node.' }),
];
