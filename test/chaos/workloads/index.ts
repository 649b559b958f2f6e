// The chaos suite's workloads, one per guarantee of docs/correctness.md.
import { createCacheWorkload, type CacheWorkloadOptions } from './cache-workload.js';
import { createCounterWorkload, type CounterWorkloadOptions } from './counter-workload.js';
import { createFencedCacheWorkload, type FencedCacheWorkloadOptions } from './fenced-cache-workload.js';
import { createLockWorkload, type LockWorkloadOptions } from './lock-workload.js';
import { createQueueGroupsWorkload, type QueueGroupsWorkloadOptions } from './queue-groups-workload.js';
import { createQueueWorkload, type QueueWorkloadOptions } from './queue-workload.js';
import type { Workload } from './workload-types.js';

export * from './workload-types.js';
export {
  createCacheWorkload,
  createCounterWorkload,
  createFencedCacheWorkload,
  createLockWorkload,
  createQueueGroupsWorkload,
  createQueueWorkload,
};
export type {
  CacheWorkloadOptions,
  CounterWorkloadOptions,
  FencedCacheWorkloadOptions,
  LockWorkloadOptions,
  QueueGroupsWorkloadOptions,
  QueueWorkloadOptions,
};
export { FENCED_OP_SCRIPT, fencedOp, readCounter, type FencedOp, type FencedResult } from './counter-store.js';

export interface AllWorkloadsOptions {
  /** The cluster's cache write-back interval; bounds what the cache workload forgives a faulted node. */
  readonly flushIntervalMs?: number;
  readonly lock?: LockWorkloadOptions;
  readonly counter?: CounterWorkloadOptions;
  readonly queue?: QueueWorkloadOptions;
  readonly queueGroups?: QueueGroupsWorkloadOptions;
  readonly cache?: CacheWorkloadOptions;
  readonly fencedCache?: FencedCacheWorkloadOptions;
}

/** Every workload, in the order the runner reports them. */
export function allWorkloads(opts: AllWorkloadsOptions = {}): Workload[] {
  return [
    createLockWorkload(opts.lock),
    createCounterWorkload(opts.counter),
    createQueueWorkload(opts.queue),
    createQueueGroupsWorkload(opts.queueGroups),
    createCacheWorkload({ ...opts.cache, flushIntervalMs: opts.cache?.flushIntervalMs ?? opts.flushIntervalMs }),
    createFencedCacheWorkload({
      ...opts.fencedCache,
      flushIntervalMs: opts.fencedCache?.flushIntervalMs ?? opts.flushIntervalMs,
    }),
  ];
}
