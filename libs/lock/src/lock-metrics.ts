import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { latencyHistogramProvider } from '@dss/metrics';

export const LOCK_METRICS = {
  held: 'dss_lock_held',
  waiters: 'dss_lock_waiters',
  acquireSeconds: 'dss_lock_acquire_duration_seconds',
  outcomes: 'dss_lock_acquire_outcomes_total',
  setOutcomes: 'dss_lock_set_acquire_outcomes_total',
  expirations: 'dss_lock_expirations_total',
  fencingToken: 'dss_lock_fencing_token',
} as const;

export const lockMetricProviders = [
  makeGaugeProvider({
    name: LOCK_METRICS.held,
    help: 'Locks held now, by mode: exclusive, shared, permit (one per semaphore holder); applied state of this node.',
    labelNames: ['mode'],
  }),
  makeGaugeProvider({ name: LOCK_METRICS.waiters, help: 'Queued blocking acquires now.' }),
  latencyHistogramProvider({
    name: LOCK_METRICS.acquireSeconds,
    help: 'Acquire latency at the node that received the request, by outcome.',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: LOCK_METRICS.outcomes,
    help: 'Acquire outcomes at the node that received the request: granted, locked, deadlock, permits_mismatch, timeout, unavailable.',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: LOCK_METRICS.setOutcomes,
    help: 'Lock-set acquire outcomes at the node that received the request (as the acquire outcomes, plus already_held).',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({ name: LOCK_METRICS.expirations, help: 'Leases ended by expiry (applied on this node).' }),
  makeGaugeProvider({ name: LOCK_METRICS.fencingToken, help: 'Highest fencing token issued so far.' }),
];
