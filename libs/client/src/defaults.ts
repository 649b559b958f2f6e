// Every default of the client in one place (docs/client.md has the table).

export const CLIENT_DEFAULTS = {
  /** Per-attempt timeout of one request; a waiting acquire or a long-poll adds its waitMs. */
  timeoutMs: 10_000,
  /** Attempts in all, across endpoints, the first included. */
  attempts: 4,
  /** Backoff before retry n is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))) ("full jitter"). */
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  /** status() asks every daemon once, with this timeout unless the call sets one. */
  statusTimeoutMs: 5_000,
} as const;

export const WITH_LOCK_DEFAULTS = {
  mode: 'exclusive',
  /** The server's default lease, made explicit so that the local deadline is known. */
  ttlMs: 30_000,
  /** 0 = try once (LockedError when held), as the server does. */
  waitMs: 0,
  /** renewEveryMs defaults to ttlMs / renewDivisor. */
  renewDivisor: 3,
} as const;

export const CONSUMER_DEFAULTS = {
  concurrency: 1,
  visibilityMs: 30_000,
  /** Long-poll of each consume. */
  waitMs: 5_000,
  /** extendEveryMs defaults to visibilityMs / extendDivisor. */
  extendDivisor: 3,
  /** nack delay after delivery n: min(backoffMaxMs, backoffBaseMs * 2^(n-1)). */
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  /** Pause after a consume failed (the client already retried it) before polling again. */
  pollErrorDelayMs: 1_000,
  /** Pause after an empty answer when waitMs is 0, so that an idle consumer does not spin. */
  idleDelayMs: 200,
} as const;
