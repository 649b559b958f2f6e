import type {
  AcquireRequest,
  AcquireSetRequest,
  CallOptions,
  Grant,
  LockList,
  LockListRequest,
  LockMode,
  LockState,
  ReleaseSetResult,
  RenewResult,
  RenewSetResult,
  SetGrant,
  SetRequest,
} from './client-types.js';
import {
  expectAnswer,
  grantAnswer,
  lockListAnswer,
  lockStateAnswer,
  releaseAnswer,
  releaseSetAnswer,
  renewAnswer,
  renewSetAnswer,
  setGrantAnswer,
} from './answers.js';
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
  /** Hold one permit of a semaphore of this many (the same lease keeping, renewals and signal). */
  permits?: number;
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
  /** The resources with holders or waiters, by name; `truncated` when more than `limit` matched. */
  list(req?: LockListRequest, call?: CallOptions): Promise<LockList>;
  /** Several locks in one entry, all or none: LockedError, DeadlockError, AlreadyHeldError, PermitsMismatchError. */
  acquireSet(req: AcquireSetRequest, call?: CallOptions): Promise<SetGrant>;
  /** Releases those held; NotFoundError when none is. */
  releaseSet(req: SetRequest, call?: CallOptions): Promise<ReleaseSetResult>;
  /** Renews all or none: NotFoundError (details.notHeld) when one is not held. */
  renewSet(req: SetRequest & { readonly ttlMs?: number }, call?: CallOptions): Promise<RenewSetResult>;
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
      permits: req.permits,
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

  async acquireSet(req: AcquireSetRequest, call?: CallOptions): Promise<SetGrant> {
    const requestId = req.requestId ?? this.newId();
    const body = { owner: req.owner, locks: req.locks, ttlMs: req.ttlMs, waitMs: req.waitMs, requestId };
    const answer = await this.http.call(
      {
        role: 'lock',
        method: 'POST',
        path: '/lock/acquire-set',
        body,
        safe: true,
        waitMs: req.waitMs ?? 0,
        keys: { requestId },
      },
      call,
    );
    return expectAnswer(setGrantAnswer, answer);
  }

  async releaseSet(req: SetRequest, call?: CallOptions): Promise<ReleaseSetResult> {
    const requestId = req.requestId ?? this.newId();
    const answer = await this.http.call(
      {
        role: 'lock',
        method: 'POST',
        path: '/lock/release-set',
        body: { owner: req.owner, resources: req.resources, requestId },
        safe: true,
        keys: { requestId },
      },
      call,
    );
    return expectAnswer(releaseSetAnswer, answer);
  }

  async renewSet(req: SetRequest & { readonly ttlMs?: number }, call?: CallOptions): Promise<RenewSetResult> {
    const requestId = req.requestId ?? this.newId();
    const answer = await this.http.call(
      {
        role: 'lock',
        method: 'POST',
        path: '/lock/renew-set',
        body: { owner: req.owner, resources: req.resources, ttlMs: req.ttlMs, requestId },
        safe: true,
        keys: { requestId },
      },
      call,
    );
    return expectAnswer(renewSetAnswer, answer);
  }

  async show(resource: string, call?: CallOptions): Promise<LockState> {
    const answer = await this.http.call(
      { role: 'lock', method: 'GET', path: `/lock/${pathSegment('resource', resource)}`, safe: true },
      call,
    );
    return expectAnswer(lockStateAnswer, answer);
  }

  async list(req: LockListRequest = {}, call?: CallOptions): Promise<LockList> {
    // Only the parameters given: the server owns the defaults.
    const query = new URLSearchParams();
    if (req.prefix !== undefined && req.prefix !== '') query.set('prefix', req.prefix);
    if (req.limit !== undefined) query.set('limit', String(req.limit));
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const answer = await this.http.call({ role: 'lock', method: 'GET', path: `/lock${search}`, safe: true }, call);
    return expectAnswer(lockListAnswer, answer);
  }

  withLock<T>(resource: string, fn: (lease: Lease) => Promise<T>, opts: WithLockOptions = {}): Promise<T> {
    return withLock(this, { newId: this.newId, now: this.now }, resource, fn, opts);
  }
}
