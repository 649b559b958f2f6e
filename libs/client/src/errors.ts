// The server's own table, from its own file: libs/http's index loads Nest.
import { codeForStatus } from '@dss/http/api-error-codes.js';
import type { LockHolder, WaitForEdge } from './client-types.js';

// The typed errors of the client. Each server error code of the public API (docs/locks.md, docs/queue.md, docs/cache.md)
// has its class; `code` is the server's code (or the client's own for failures
// that never reached a server), `status` the HTTP status that caused it, if any.

export interface DssErrorInit {
  readonly status?: number;
  /** The server's answer as is. */
  readonly body?: unknown;
  /** Base URL of the daemon that answered (or failed). */
  readonly endpoint?: string;
  /** Extra fields of the error envelope besides code and message. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** One failed attempt of a call: where, and what happened. */
export interface AttemptFailure {
  readonly url: string;
  readonly error: string;
}

export class DssError extends Error {
  readonly status?: number;
  readonly body?: unknown;
  readonly endpoint?: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: string,
    message: string,
    init: DssErrorInit = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.body = init.body;
    this.endpoint = init.endpoint;
    this.details = init.details ?? {};
  }
}

export class InvalidArgumentError extends DssError {
  constructor(message: string, init: DssErrorInit = {}) {
    super('INVALID_ARGUMENT', message, init);
  }
}

export class UnauthorizedError extends DssError {
  constructor(message: string, init: DssErrorInit = {}) {
    super('UNAUTHORIZED', message, init);
  }
}

export class NotFoundError extends DssError {
  constructor(message: string, init: DssErrorInit = {}) {
    super('NOT_FOUND', message, init);
  }
}

/** 409 LOCKED: not granted within waitMs; `holders` are who holds the resource. */
export class LockedError extends DssError {
  readonly holders: readonly LockHolder[];
  constructor(message: string, init: DssErrorInit = {}) {
    super('LOCKED', message, init);
    this.holders = Array.isArray(init.details?.holders) ? (init.details.holders as LockHolder[]) : [];
  }
}

/** 409 DEADLOCK: waiting would close `cycle` in the wait-for graph, starting with the requester. */
export class DeadlockError extends DssError {
  readonly cycle: readonly WaitForEdge[];
  constructor(message: string, init: DssErrorInit = {}) {
    super('DEADLOCK', message, init);
    this.cycle = Array.isArray(init.details?.cycle) ? (init.details.cycle as WaitForEdge[]) : [];
  }
}

/** 409 PERMITS_MISMATCH: the resource lives with another permit count, `permits`. */
export class PermitsMismatchError extends DssError {
  readonly permits?: number;
  constructor(message: string, init: DssErrorInit = {}) {
    super('PERMITS_MISMATCH', message, init);
    const permits = init.details?.permits;
    if (typeof permits === 'number') this.permits = permits;
  }
}

/** 409 ALREADY_HELD: the owner holds or waits for a member of the set it asked for whole. */
export class AlreadyHeldError extends DssError {
  constructor(message: string, init: DssErrorInit = {}) {
    super('ALREADY_HELD', message, init);
  }
}

/** 409 STALE_RECEIPT: the delivery's visibility ran out (or it was acked); it will be delivered again. */
export class StaleReceiptError extends DssError {
  readonly receipt?: string;
  constructor(message: string, init: DssErrorInit = {}) {
    super('STALE_RECEIPT', message, init);
    const receipt = init.details?.receipt;
    if (typeof receipt === 'string') this.receipt = receipt;
  }
}

/**
 * 409 FENCED: a cache write or a queue publish carried a fencing token older than one
 * the key or topic already accepted (its lock went to a newer holder); nothing changed.
 */
export class FencedError extends DssError {
  /** The token the request carried (publish answers it). */
  readonly token?: number;
  /** The highest token the key or topic has accepted. */
  readonly fence?: number;
  constructor(message: string, init: DssErrorInit = {}) {
    super('FENCED', message, init);
    const { token, fence } = init.details ?? {};
    if (typeof token === 'number') this.token = token;
    if (typeof fence === 'number') this.fence = fence;
  }
}

export class PayloadTooLargeError extends DssError {
  constructor(message: string, init: DssErrorInit = {}) {
    super('PAYLOAD_TOO_LARGE', message, init);
  }
}

/** Keys a caller can resend a safe call with, so that the server dedupes it. */
export interface IdempotencyKeys {
  readonly requestId?: string;
  readonly dedupId?: string;
}

/**
 * 503 UNAVAILABLE, or no endpoint could serve the call within its attempts.
 * Nothing is known to have changed unless an attempt says it may have been
 * processed; a safe call can be sent again with the same requestId / dedupId.
 */
export class UnavailableError extends DssError {
  readonly attempts: readonly AttemptFailure[];
  readonly requestId?: string;
  readonly dedupId?: string;
  constructor(message: string, init: DssErrorInit & IdempotencyKeys & { attempts?: readonly AttemptFailure[] } = {}) {
    super('UNAVAILABLE', message, init);
    this.attempts = init.attempts ?? [];
    this.requestId = init.requestId;
    this.dedupId = init.dedupId;
  }
}

/**
 * The request may or may not have been applied: a 504 TIMEOUT answer, or a
 * timeout / connection reset after an unsafe call (ack, nack, extend, cache
 * del, redrive) was sent, which the client therefore did not repeat.
 */
export class OutcomeUnknownError extends DssError {
  readonly attempts: readonly AttemptFailure[];
  readonly requestId?: string;
  readonly dedupId?: string;
  constructor(message: string, init: DssErrorInit & IdempotencyKeys & { attempts?: readonly AttemptFailure[] } = {}) {
    super('TIMEOUT', message, init);
    this.attempts = init.attempts ?? [];
    this.requestId = init.requestId;
    this.dedupId = init.dedupId;
  }
}

/** An answer that is not what the API promises (a proxy's page, another service). Never retried. */
export class InvalidResponseError extends DssError {
  constructor(message: string, init: DssErrorInit = {}) {
    super('INVALID_RESPONSE', message, init);
  }
}

/**
 * withLock: the lease ended (a renew answered 404) or its local deadline passed
 * without a successful renew, so fn's work was no longer protected.
 */
export class LeaseLostError extends DssError {
  constructor(
    readonly resource: string,
    readonly owner: string,
    readonly fencingToken: number,
    message: string,
    init: DssErrorInit = {},
  ) {
    super('LEASE_LOST', message, init);
  }
}

function envelopeOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && !Array.isArray(error)
    ? (error as Record<string, unknown>)
    : undefined;
}

/** The typed error for an HTTP error answer `{error: {code, message, ...details}}` of `url`. */
export function errorFromResponse(status: number, body: unknown, url?: string): DssError {
  const envelope = envelopeOf(body);
  const code = typeof envelope?.code === 'string' ? envelope.code : codeForStatus(status);
  const message =
    typeof envelope?.message === 'string'
      ? envelope.message
      : `HTTP ${status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
  const { code: _code, message: _message, ...details } = envelope ?? {};
  const init: DssErrorInit = { status, body, endpoint: url, details };
  switch (code) {
    case 'INVALID_ARGUMENT':
      return new InvalidArgumentError(message, init);
    case 'UNAUTHORIZED':
      return new UnauthorizedError(message, init);
    case 'NOT_FOUND':
      return new NotFoundError(message, init);
    case 'LOCKED':
      return new LockedError(message, init);
    case 'DEADLOCK':
      return new DeadlockError(message, init);
    case 'PERMITS_MISMATCH':
      return new PermitsMismatchError(message, init);
    case 'ALREADY_HELD':
      return new AlreadyHeldError(message, init);
    case 'STALE_RECEIPT':
      return new StaleReceiptError(message, init);
    case 'FENCED':
      return new FencedError(message, init);
    case 'PAYLOAD_TOO_LARGE':
      return new PayloadTooLargeError(message, init);
    case 'UNAVAILABLE':
      return new UnavailableError(message, {
        ...init,
        attempts: url === undefined ? [] : [{ url, error: `HTTP ${status} UNAVAILABLE: ${message}` }],
      });
    case 'TIMEOUT':
      return new OutcomeUnknownError(message, {
        ...init,
        attempts: url === undefined ? [] : [{ url, error: `HTTP ${status} TIMEOUT: ${message}` }],
      });
    default:
      return new DssError(code, message, init);
  }
}
