import type { AcquireRequest, CallOptions, Grant, LockMode, LockState, RenewResult } from './client-types.js';
import { grantAnswer, lockStateAnswer, releaseAnswer, renewAnswer, expectAnswer } from './answers.js';
import { HttpCaller, pathSegment } from './http-caller.js';
import { withLock } from './with-lock.js';

// The lock API (docs/locks.md). acquire, release and renew carry a requestId
// made once per call: the lock table remembers each (owner, requestId, op,
// resource) result, so a retry after a lost answer or a leader change gets the
// first answer (a retried release says released, not 404) instead of being
// applied twice. That is what makes all three safe to repeat.

export interface ReleaseRequest {
  readonly resource: string;
  readonly owner: string;
  readonly requestId?: string;
}
export interface RenewRequest {
  readonly resource: string;
  readonly owner: string;
  readonly ttlMs?: number;
  readonly requestId?: string;
}

export interface Lease {
  readonly grant: Grant;
  readonly fencingToken: number;
  /** Aborted (reason: LeaseLostError) once the lease may have ended; also when WithLockOptions.signal aborts. */
  readonly signal: AbortSignal;
}

export interface WithLockOptions {
  /** Defaults to host-pid-random, unique per call. */
  owner?: string;
  mode?: LockMode;
  ttlMs?: number;
  waitMs?: number;
  /** Default ttlMs / 3. */
  renewEveryMs?: number;
  signal?: AbortSignal;
}

export interface LockClient {
  /** LockedError (with holders) or DeadlockError (with cycle) when not granted. */
  acquire(req: AcquireRequest, call?: CallOptions): Promise<Grant>;
  /** NotFoundError when this owner does not hold it. */
  release(req: ReleaseRequest, call?: CallOptions): Promise<{ released: true }>;
  /** NotFoundError when the lease already expired. */
  renew(req: RenewRequest, call?: CallOptions): Promise<RenewResult>;
  show(resource: string, call?: CallOptions): Promise<LockState>;
  withLock<T>(resource: string, fn: (lease: Lease) => Promise<T>, opts?: WithLockOptions): Promise<T>;
}

export class HttpLockClient implements LockClient {
  constructor(
    private readonly http: HttpCaller,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  async acquire(req: AcquireRequest, call?: CallOptions): Promise<Grant> {
    const requestId = req.requestId ?? this.newId();
    const body = {
      resource: req.resource,
      owner: req.owner,
      mode: req.mode,
      ttlMs: req.ttlMs,
      waitMs: req.waitMs,
      requestId,
    };
    const answer = await this.http.call(
      {
        role: 'lock',
        method: 'POST',
        path: '/lock/acquire',
        body,
        safe: true,
        waitMs: req.waitMs ?? 0,
        keys: { requestId },
      },
      call,
    );
    return expectAnswer(grantAnswer, answer);
  }

  async release(req: ReleaseRequest, call?: CallOptions): Promise<{ released: true }> {
    const requestId = req.requestId ?? this.newId();
    const answer = await this.http.call(
      {
        role: 'lock',
        method: 'POST',
        path: '/lock/release',
        body: { resource: req.resource, owner: req.owner, requestId },
        safe: true,
        keys: { requestId },
      },
      call,
    );
    return expectAnswer(releaseAnswer, answer);
  }

  async renew(req: RenewRequest, call?: CallOptions): Promise<RenewResult> {
    const requestId = req.requestId ?? this.newId();
    const answer = await this.http.call(
      {
        role: 'lock',
        method: 'POST',
        path: '/lock/renew',
        body: { resource: req.resource, owner: req.owner, ttlMs: req.ttlMs, requestId },
        safe: true,
        keys: { requestId },
      },
      call,
    );
    return expectAnswer(renewAnswer, answer);
  }

  async show(resource: string, call?: CallOptions): Promise<LockState> {
    const answer = await this.http.call(
      { role: 'lock', method: 'GET', path: `/lock/${pathSegment('resource', resource)}`, safe: true },
      call,
    );
    return expectAnswer(lockStateAnswer, answer);
  }

  withLock<T>(resource: string, fn: (lease: Lease) => Promise<T>, opts: WithLockOptions = {}): Promise<T> {
    return withLock(this, { newId: this.newId, now: this.now }, resource, fn, opts);
  }
}
