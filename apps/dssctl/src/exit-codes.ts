// dssctl's exit codes: one number per kind of outcome, so that scripts can
// branch on them (documented in docs/dssctl.md). Errors from the client are
// mapped by the HTTP status that caused them when there is one (the server
// derives it from its code, and for an answer without the API's envelope the
// status is real while the client's code is a guess), else by `code` (the
// client's own failures: nothing reachable, timeouts).

export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** A bug or an error nobody planned for. */
  UNEXPECTED: 1,
  /** Bad flags or arguments, or a 400 INVALID_ARGUMENT / 413 from the server. */
  USAGE: 2,
  /** 404: a missing cache key, a lock not held (release, renew). */
  NOT_FOUND: 3,
  /** 409: LOCKED, DEADLOCK, STALE_RECEIPT, FENCED. */
  CONFLICT: 4,
  /** 503, or no endpoint reachable; `status` when a daemon is not healthy. */
  UNAVAILABLE: 5,
  /** 504 or a timeout after the request was sent: it may or may not have happened. */
  OUTCOME_UNKNOWN: 6,
  /** 401: the cluster wants a (different) token. */
  UNAUTHORIZED: 7,
  /** Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** API error codes (libs/http/src/api-error-codes.ts) and the client's own codes. */
const BY_CODE: Readonly<Record<string, ExitCode>> = {
  INVALID_ARGUMENT: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  NOT_FOUND: EXIT.NOT_FOUND,
  LOCKED: EXIT.CONFLICT,
  DEADLOCK: EXIT.CONFLICT,
  STALE_RECEIPT: EXIT.CONFLICT,
  FENCED: EXIT.CONFLICT,
  LEASE_LOST: EXIT.CONFLICT,
  UNAVAILABLE: EXIT.UNAVAILABLE,
  TIMEOUT: EXIT.OUTCOME_UNKNOWN,
  OUTCOME_UNKNOWN: EXIT.OUTCOME_UNKNOWN,
  UNAUTHORIZED: EXIT.UNAUTHORIZED,
  INTERRUPTED: EXIT.INTERRUPTED,
  /** A 500 is a bug of the server, not a state of the cluster. */
  INTERNAL: EXIT.UNEXPECTED,
};

/** HTTP statuses, checked first. */
const BY_STATUS: Readonly<Record<number, ExitCode>> = {
  400: EXIT.USAGE,
  401: EXIT.UNAUTHORIZED,
  403: EXIT.UNAUTHORIZED,
  404: EXIT.NOT_FOUND,
  409: EXIT.CONFLICT,
  413: EXIT.USAGE,
  503: EXIT.UNAVAILABLE,
  504: EXIT.OUTCOME_UNKNOWN,
};

export interface ErrorLike {
  readonly code?: unknown;
  readonly status?: unknown;
  readonly name?: unknown;
}

export function exitCodeFor(err: unknown): ExitCode {
  if (typeof err !== 'object' || err === null) return EXIT.UNEXPECTED;
  const e = err as ErrorLike;
  if (e.name === 'AbortError') return EXIT.INTERRUPTED;
  if (typeof e.status === 'number' && BY_STATUS[e.status] !== undefined) return BY_STATUS[e.status]!;
  if (typeof e.code === 'string' && BY_CODE[e.code] !== undefined) return BY_CODE[e.code]!;
  if (typeof e.status === 'number' && e.status >= 500) return EXIT.UNAVAILABLE;
  return EXIT.UNEXPECTED;
}
