import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const LOCK_METRICS = {
  held: 'dss_lock_held',
  waiters: 'dss_lock_waiters',
  acquireSeconds: 'dss_lock_acquire_duration_seconds',
  outcomes: 'dss_lock_acquire_outcomes_total',
  expirations: 'dss_lock_expirations_total',
  fencingToken: 'dss_lock_fencing_token',
} as const;

export const lockMetricProviders = [
  makeGaugeProvider({ name: LOCK_METRICS.held, help: 'Locks held now, by mode (applied state of this node).', labelNames: ['mode'] }),
  makeGaugeProvider({ name: LOCK_METRICS.waiters, help: 'Queued blocking acquires now.' }),
  makeHistogramProvider({
    name: LOCK_METRICS.acquireSeconds,
    help: 'Acquire latency at the node that received the request, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  makeCounterProvider({ name: LOCK_METRICS.outcomes, help: 'Acquire outcomes at the node that received the request: granted, locked, deadlock, timeout, unavailable.', labelNames: ['outcome'] }),
  makeCounterProvider({ name: LOCK_METRICS.expirations, help: 'Leases ended by expiry (applied on this node).' }),
  makeGaugeProvider({ name: LOCK_METRICS.fencingToken, help: 'Highest fencing token issued so far.' }),
];
