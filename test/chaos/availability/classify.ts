// How each workload's recorded operations count for availability. The safety
// checkers read outcomes differently: for them a `fail` is "certainly did not
// happen", which includes the cache's 503. Here the question is whether the
// service gave a useful answer:
//   served  - it did what was asked (2xx, including an empty consume or a read of an absent key);
//   refused - a correct refusal: the answer is right and the service is up (the lock is held,
//             a deadlock, a stale receipt, a write fenced off by a newer token);
//   failed  - no useful answer: 503 UNAVAILABLE, 504 TIMEOUT, a network error or client-side
//             timeout (recorded as unknown), an operation that never completed;
//   ignored - not part of the service's traffic under faults (reads after the run).
// served and refused both count as success.
import { isRecord, type HistoryOp } from '../../support/history/index.js';
import type { Service } from './targets.js';

export type OpClass = 'served' | 'refused' | 'failed' | 'ignored';

export function isSuccess(c: OpClass): boolean {
  return c === 'served' || c === 'refused';
}

/** The API error code of a recorded error body ({ error: { code } }), if any. */
export function errorCode(value: unknown): string | undefined {
  const error = isRecord(value) ? value.error : undefined;
  return isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
}

/** Not granted because someone holds the lock (or not within waitMs), a wait that would deadlock, a release or renew of a lease already gone. */
const LOCK_REFUSALS: ReadonlySet<string> = new Set(['LOCKED', 'DEADLOCK', 'NOT_FOUND']);

/** Lock workload: acquire (409 recorded as fail), release (404 recorded as fail); 503/504/network errors are unknown. */
export function classifyLockOp(op: HistoryOp): OpClass {
  if (op.outcome === 'ok') return 'served';
  if (op.outcome === 'fail') return LOCK_REFUSALS.has(errorCode(op.value) ?? '') ? 'refused' : 'failed';
  return 'failed';
}

/** Queue workload: publish, consume (an empty batch is an answer), ack; a stale receipt is a correct answer. The dead-letter reads after the drain are ignored. */
export function classifyQueueOp(op: HistoryOp): OpClass {
  if (op.op === 'dead') return 'ignored';
  if (op.outcome === 'ok') return 'served';
  if (op.outcome === 'fail') return errorCode(op.value) === 'STALE_RECEIPT' ? 'refused' : 'failed';
  return 'failed';
}

/**
 * Cache workload: GET (a 404 is recorded as an ok read of null), PUT, DELETE. The cache API has
 * no conditional write, so it has no correct refusal: its only recorded `fail` is a 503, which
 * is unavailability even though it promises that nothing changed.
 */
export function classifyCacheOp(op: HistoryOp): OpClass {
  return op.outcome === 'ok' ? 'served' : 'failed';
}

/**
 * Counter workload: fenced reads and writes in Redis; a write (or read) refused because a newer
 * token was seen is the fence working. The final read after the run is ignored. Only the Redis
 * side is recorded today: a lock acquire that failed leaves no op (the counter's history has a
 * gap, not a failure); should acquires and releases be recorded, they count as the lock's do.
 */
export function classifyCounterOp(op: HistoryOp): OpClass {
  if (op.op === 'final') return 'ignored';
  if (op.op === 'acquire' || op.op === 'release') return classifyLockOp(op);
  if (op.outcome === 'ok') return 'served';
  if (op.outcome === 'fail') return isRecord(op.value) && op.value.error === 'fenced' ? 'refused' : 'failed';
  return 'failed';
}

export const CLASSIFIERS: Readonly<Record<Service, (op: HistoryOp) => OpClass>> = {
  lock: classifyLockOp,
  counter: classifyCounterOp,
  queue: classifyQueueOp,
  cache: classifyCacheOp,
};
