// Limits on what a lock client controls. Each is documented in docs/locks.md.
import type { BackoffPolicy } from '@dss/backoff';
import { MAX_PERMITS, MAX_SET_SIZE } from './state/lock-limits.js';

export const LOCK_LIMITS = {
  /** Resource names: 1..256 characters. */
  resourceMaxLength: 256,
  /** Owner names: 1..128 characters. */
  ownerMaxLength: 128,
  /** requestId: 1..128 characters. */
  requestIdMaxLength: 128,
  /** Lease TTL: 100 ms .. 1 h, 30 s by default. */
  ttlMinMs: 100,
  ttlMaxMs: 3_600_000,
  ttlDefaultMs: 30_000,
  /** Blocking acquire: 0 (try once) .. 60 s. */
  waitMaxMs: 60_000,
  /** Semaphore permits: 1 (a lock) .. 10 000 (MAX_PERMITS of the replicated table). */
  permitsMax: MAX_PERMITS,
  /** Resources in one lock set: 1 .. 64 (MAX_SET_SIZE of the replicated table). */
  setMaxSize: MAX_SET_SIZE,
  /** GET /lock: 100 resources a page unless `limit` says otherwise, 1 .. 1000. */
  listLimitDefault: 100,
  listLimitMax: 1000,
} as const;

/**
 * DEADLOCK refusals GET /cluster keeps (`deadlocks`, newest first). In memory on
 * each node, for operators; the oldest is forgotten first.
 */
export const RECENT_DEADLOCKS_MAX = 50;

/** How long a request waits for a leader to appear before answering 503 UNAVAILABLE. */
export const LEADER_WAIT_MS = 3000;
/** Extra time a forwarded or parked request allows beyond its waitMs. */
export const FORWARD_MARGIN_MS = 5000;
/**
 * Between attempts of a request while leadership moves (not the leader, the leader
 * down): an election takes about a heartbeat timeout, so start short and stay short.
 * No jitter: each request waits alone, and the forward itself is not a thundering herd.
 */
export const LOCK_ROUTE_RETRY: BackoffPolicy = { baseMs: 20, maxMs: 250, jitter: 'none' };
