// Retry delays for every retry loop in DSS: the daemons' (a lock forward while
// leadership moves, a cache write-back while Redis fails over) and the
// client's. Pure, no Nest: libs/client ships it to users.

/** How long to wait between attempts: doubling from `baseMs`, capped at `maxMs`. */
export interface BackoffPolicy {
  /** The delay before the first retry. */
  readonly baseMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
  /**
   * 'full': uniform in [0, the delay) ("full jitter", AWS architecture blog,
   * "Exponential Backoff And Jitter"), so callers that failed together do not
   * retry together; for many independent clients of one cluster. 'none': the
   * delay itself, for a daemon's own loop, where it alone waits.
   */
  readonly jitter: 'full' | 'none';
}

/**
 * The delay before retry `retry` (1 = the first retry; 0 and below count as 1):
 * min(maxMs, baseMs * 2^(retry-1)), or a uniform draw below it with full jitter.
 * Whole milliseconds.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return policy.jitter === 'full' ? Math.floor(random() * ceiling) : ceiling;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits out retry `retry`'s delay under `policy` (backoffDelay, then sleep). */
export function backoff(
  policy: BackoffPolicy,
  retry: number,
  signal?: AbortSignal,
  random?: () => number,
): Promise<void> {
  return sleep(backoffDelay(policy, retry, random), signal);
}
