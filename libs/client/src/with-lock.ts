import type { Grant } from './client-types.js';
import { WITH_LOCK_DEFAULTS } from './defaults.js';
import { InvalidArgumentError, LeaseLostError, NotFoundError } from './errors.js';
import { defaultOwner } from './ids.js';
import type { Lease, LockClient, WithLockOptions } from './lock-client.js';

// withLock: acquire, keep the lease alive while fn runs, release. The lease is
// counted locally and conservatively: from the moment the acquire (or the
// renew that extended it) was SENT, since the server started its clock later.
// Once that deadline passes without a successful renew, or a renew answers 404,
// fn's signal is aborted with LeaseLostError: another owner may hold the lock.

type LockOps = Pick<LockClient, 'acquire' | 'renew' | 'release'>;

interface Env {
  readonly newId: () => string;
  readonly now: () => number;
}

/** Keeps one lease alive: periodic renewals, a local deadline, and the signal fn sees. */
class LeaseKeeper {
  private readonly controller = new AbortController();
  /** Cancels a renew in flight once fn has settled or the lease is lost. */
  private readonly calls = new AbortController();
  private renewTimer?: ReturnType<typeof setTimeout>;
  private deadlineTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private lastRenewError: unknown;
  lost?: LeaseLostError;

  constructor(
    private readonly locks: LockOps,
    private readonly now: () => number,
    private readonly grant: Grant,
    private readonly ttlMs: number,
    private readonly renewEveryMs: number,
    /** When the last acquire or successful renew was sent. */
    private anchor: number,
    private deadline: number,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts fn's signal for the caller's own reason (WithLockOptions.signal); the lease is kept. */
  abortFor(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  start(): void {
    if (this.lost || this.stopped) return;
    if (this.now() >= this.deadline) {
      this.lose('the lease deadline passed before fn could start', this.lastRenewError);
      return;
    }
    this.armDeadline();
    this.scheduleRenew(this.anchor + this.renewEveryMs - this.now());
  }

  /** One renewal; on success the deadline moves to (send time + expiresInMs). */
  async renewNow(): Promise<void> {
    const sentAt = this.now();
    try {
      const renewed = await this.locks.renew(
        { resource: this.grant.resource, owner: this.grant.owner, ttlMs: this.ttlMs },
        { signal: this.calls.signal },
      );
      if (this.stopped || this.lost) return; // a late answer cannot undo a loss: fn was told already
      this.anchor = sentAt;
      this.deadline = Math.max(this.deadline, sentAt + renewed.expiresInMs);
      this.lastRenewError = undefined;
      if (this.deadlineTimer !== undefined) this.armDeadline();
    } catch (err) {
      if (this.stopped || this.lost) return;
      if (err instanceof NotFoundError) this.lose('a renew answered 404: the lease had already ended', err);
      else this.lastRenewError = err; // transient: retried; the deadline decides
    }
  }

  /** Called once fn has settled: the loss verdict, and no more renewals. */
  settle(): LeaseLostError | undefined {
    if (!this.lost && !this.stopped && this.now() >= this.deadline) {
      this.lose('no successful renew before the lease deadline', this.lastRenewError);
    }
    this.stop();
    return this.lost;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.deadlineTimer);
    this.calls.abort();
  }

  private scheduleRenew(delayMs: number): void {
    this.renewTimer = setTimeout(
      () => {
        void this.renewNow().then(() => {
          if (this.stopped || this.lost) return;
          if (this.lastRenewError === undefined) this.scheduleRenew(this.anchor + this.renewEveryMs - this.now());
          // After a failure, retry after half the time the lease has left: more
          // chances the closer the deadline, without spinning.
          else this.scheduleRenew(Math.min(this.renewEveryMs, (this.deadline - this.now()) / 2));
        });
      },
      Math.max(0, delayMs),
    );
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => this.lose('no successful renew before the lease deadline', this.lastRenewError),
      Math.max(0, this.deadline - this.now()),
    );
  }

  private lose(why: string, cause: unknown): void {
    if (this.lost || this.stopped) return;
    const { resource, owner, fencingToken } = this.grant;
    this.lost = new LeaseLostError(
      resource,
      owner,
      fencingToken,
      `lease on ${resource} (owner ${owner}, token ${fencingToken}) lost: ${why}`,
      {
        cause,
        details: { resource, owner, fencingToken },
      },
    );
    clearTimeout(this.renewTimer);
    clearTimeout(this.deadlineTimer);
    this.calls.abort(this.lost);
    this.abortFor(this.lost);
  }
}

export async function withLock<T>(
  locks: LockOps,
  env: Env,
  resource: string,
  fn: (lease: Lease) => Promise<T>,
  opts: WithLockOptions = {},
): Promise<T> {
  const owner = opts.owner ?? defaultOwner(env.newId);
  const ttlMs = opts.ttlMs ?? WITH_LOCK_DEFAULTS.ttlMs;
  const renewEveryMs = opts.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / WITH_LOCK_DEFAULTS.renewDivisor));
  if (!(renewEveryMs > 0)) throw new InvalidArgumentError('renewEveryMs must be positive');
  const sentAt = env.now();
  const grant = await locks.acquire(
    {
      resource,
      owner,
      mode: opts.mode ?? WITH_LOCK_DEFAULTS.mode,
      ttlMs,
      waitMs: opts.waitMs ?? WITH_LOCK_DEFAULTS.waitMs,
      permits: opts.permits,
    },
    { signal: opts.signal },
  );
  const keeper = new LeaseKeeper(locks, env.now, grant, ttlMs, renewEveryMs, sentAt, sentAt + grant.expiresInMs);
  const onCallerAbort = () => keeper.abortFor(opts.signal?.reason);
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    // A waiting acquire may have taken longer than a renewal period; counted
    // from its send time the lease could be nearly over, so renew first.
    if (env.now() - sentAt >= renewEveryMs) await keeper.renewNow();
    keeper.start();
    if (keeper.lost) throw keeper.lost;
    // fn's own error wins (it is often the signal's LeaseLostError anyway).
    const value = await fn({ grant, fencingToken: grant.fencingToken, signal: keeper.signal });
    const lost = keeper.settle();
    if (lost) throw lost; // fn finished, but not under the lock: its work was not protected
    return value;
  } finally {
    keeper.stop();
    opts.signal?.removeEventListener('abort', onCallerAbort);
    // Best effort: if the lease is gone the server answers 404, which changes nothing.
    await locks.release({ resource, owner }).catch(() => undefined);
  }
}
