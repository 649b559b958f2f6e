// The client's retry delays come from @dss/backoff, the one backoff helper of
// DSS; this file keeps the names the client has always exported.
import { backoffDelay } from '@dss/backoff';

export { sleep } from '@dss/backoff';

/** Delay before retry `retry` (1 = the first retry): uniform in [0, min(maxMs, baseMs * 2^(retry-1))). */
export function fullJitterDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  return backoffDelay({ baseMs, maxMs, jitter: 'full' }, retry, random);
}
