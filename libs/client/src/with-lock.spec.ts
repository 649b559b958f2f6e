import { DssClient } from './dss-client.js';
import { LeaseLostError, LockedError } from './errors.js';
import { countingIds, ENDPOINTS, FakeFetch, type FakeReply, type FakeRequest } from './fake-fetch.test-kit.js';
import type { Lease } from './lock-client.js';

// withLock on jest's fake clock: renewals, the local lease deadline and the
// release, against a scripted lock API.

const TTL = 3000;
const grant = (expiresInMs = TTL) => ({
  status: 200,
  body: { acquired: true, resource: 'job', owner: 'me', mode: 'exclusive', fencingToken: 17, expiresInMs },
});
const renewed = (expiresInMs = TTL) => ({ status: 200, body: { renewed: true, fencingToken: 17, expiresInMs } });
const released = { status: 200, body: { released: true } };
const notHeld = {
  status: 404,
  body: { error: { code: 'NOT_FOUND', message: 'job by me is not held (the lease may have expired)' } },
};

/** The lock API with a programmable renew answer; acquire can be made slow. */
function lockServer(
  opts: {
    renew?: (req: FakeRequest) => FakeReply | Promise<FakeReply>;
    acquireDelayMs?: number;
    acquire?: FakeReply;
  } = {},
) {
  const fake = new FakeFetch((req) => {
    switch (req.path) {
      case '/lock/acquire': {
        const reply = opts.acquire ?? grant();
        if (!opts.acquireDelayMs) return reply;
        return new Promise<FakeReply>((resolve) => setTimeout(() => resolve(reply), opts.acquireDelayMs));
      }
      case '/lock/renew':
        return (opts.renew ?? (() => renewed()))(req);
      case '/lock/release':
        return released;
      default:
        return { status: 404, body: {} };
    }
  });
  const dss = new DssClient({
    endpoints: ENDPOINTS,
    fetch: fake.fetch,
    newId: countingIds(),
    random: () => 0, // no backoff: the clock only moves when the test moves it
    now: () => Date.now(),
    timeoutMs: 10_000,
  });
  const at = (path: string) => fake.to(path).length;
  return { dss, fake, at };
}

/** fn that runs until the test resolves it, recording when its signal aborted. */
function controllableFn<T>(value: T) {
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  let lease: Lease | undefined;
  let abortedAt: number | undefined;
  const fn = (l: Lease) => {
    lease = l;
    l.signal.addEventListener('abort', () => (abortedAt = Date.now()));
    return new Promise<T>((resolve, reject) => {
      finish = () => resolve(value);
      fail = reject;
    });
  };
  return { fn, finish: () => finish(), fail: (e: unknown) => fail(e), lease: () => lease, abortedAt: () => abortedAt };
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('withLock', () => {
  it('hands fn the token and a live signal, renews in the background, releases after success', async () => {
    const { dss, fake, at } = lockServer();
    const f = controllableFn('done');
    const result = dss.lock.withLock('job', f.fn, { owner: 'me', ttlMs: TTL, renewEveryMs: 1000 });
    await jest.advanceTimersByTimeAsync(0);
    expect(f.lease()).toMatchObject({ fencingToken: 17, grant: { resource: 'job', fencingToken: 17 } });
    expect(f.lease()!.signal.aborted).toBe(false);
    expect(at('/lock/renew')).toBe(0);
    await jest.advanceTimersByTimeAsync(999);
    expect(at('/lock/renew')).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(at('/lock/renew')).toBe(1);
    await jest.advanceTimersByTimeAsync(9000); // renewals keep it alive far past the first TTL
    expect(at('/lock/renew')).toBe(10);
    expect(f.lease()!.signal.aborted).toBe(false);
    expect(at('/lock/release')).toBe(0);
    f.finish();
    await expect(result).resolves.toBe('done');
    expect(at('/lock/release')).toBe(1);
    expect(fake.to('/lock/acquire')[0]!.body).toMatchObject({
      resource: 'job',
      owner: 'me',
      mode: 'exclusive',
      ttlMs: TTL,
      waitMs: 0,
    });
    expect(fake.to('/lock/renew').map((r) => r.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ resource: 'job', owner: 'me', ttlMs: TTL, requestId: `id-${i + 2}` })),
    );
    expect(fake.to('/lock/release')[0]!.body).toMatchObject({ resource: 'job', owner: 'me' });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(at('/lock/renew')).toBe(10); // no renewals after fn settled
  });

  it('renews every ttl/3 by default and makes up an owner', async () => {
    const { dss, fake, at } = lockServer();
    const f = controllableFn(1);
    const result = dss.lock.withLock('job', f.fn, { ttlMs: TTL });
    await jest.advanceTimersByTimeAsync(3000);
    expect(at('/lock/renew')).toBe(3);
    f.finish();
    await result;
    const owner = (fake.to('/lock/acquire')[0]!.body as { owner: string }).owner;
    expect(owner).toMatch(new RegExp(`-${process.pid}-`));
    expect(fake.to('/lock/release')[0]!.body).toMatchObject({ owner });
  });

  it("releases when fn throws, and rethrows fn's error", async () => {
    const { dss, at } = lockServer();
    const f = controllableFn(1);
    const result = dss.lock.withLock('job', f.fn, { owner: 'me', ttlMs: TTL });
    await jest.advanceTimersByTimeAsync(10);
    const boom = new Error('boom');
    f.fail(boom);
    await expect(result).rejects.toBe(boom);
    expect(at('/lock/release')).toBe(1);
  });

  it('aborts the signal with LeaseLostError when a renew answers 404, and rejects even though fn resolved', async () => {
    const { dss, at } = lockServer({ renew: () => notHeld });
    const f = controllableFn('unprotected');
    const result = dss.lock.withLock('job', f.fn, { owner: 'me', ttlMs: TTL, renewEveryMs: 1000 });
    const settled = result.catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(999);
    expect(f.lease()!.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(f.abortedAt()).toBe(1000); // at the first renew, long before the deadline
    const reason = f.lease()!.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason).toMatchObject({ code: 'LEASE_LOST', resource: 'job', owner: 'me', fencingToken: 17 });
    expect(reason.message).toMatch(/404/);
    await jest.advanceTimersByTimeAsync(5000);
    expect(at('/lock/renew')).toBe(1); // no more renewals once lost
    f.finish();
    expect(await settled).toBe(reason);
    expect(at('/lock/release')).toBe(1); // best effort even so
  });

  it('aborts at the local deadline (from BEFORE the acquire was sent) when renewals only fail', async () => {
    // The acquire answer takes 500 ms: the lease started on the server at some
    // point in those 500 ms, so the client must count from 0, not from 500.
    const { dss, at } = lockServer({ renew: () => 'refused', acquireDelayMs: 500 });
    const f = controllableFn('late');
    const result = dss.lock.withLock('job', f.fn, { owner: 'me', ttlMs: TTL, renewEveryMs: 1000 });
    const settled = result.catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(2999);
    expect(at('/lock/renew')).toBeGreaterThanOrEqual(2 * 4); // renewals tried (4 attempts each) and failed
    expect(f.lease()!.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(f.abortedAt()).toBe(3000);
    const reason = f.lease()!.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.message).toMatch(/deadline/);
    f.finish();
    expect(await settled).toBe(reason);
  });

  it('a renewal that succeeds moves the deadline to its own send time + expiresInMs', async () => {
    // First renewal (t=1000) works; all later ones fail: the lease ends at 1000 + 3000.
    let renewals = 0;
    const { dss } = lockServer({ renew: () => (++renewals === 1 ? renewed() : 'refused') });
    const f = controllableFn(1);
    const settled = dss.lock
      .withLock('job', f.fn, { owner: 'me', ttlMs: TTL, renewEveryMs: 1000 })
      .catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(3999);
    expect(f.lease()!.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(f.abortedAt()).toBe(4000);
    f.finish();
    expect(await settled).toBeInstanceOf(LeaseLostError);
  });

  it('a renewal answered after the deadline cannot revive the lease', async () => {
    const { dss } = lockServer({
      renew: () => new Promise<FakeReply>((resolve) => setTimeout(() => resolve(renewed()), 5000)),
    });
    const f = controllableFn(1);
    const settled = dss.lock
      .withLock('job', f.fn, { owner: 'me', ttlMs: TTL, renewEveryMs: 1000 })
      .catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(3000);
    expect(f.abortedAt()).toBe(3000);
    await jest.advanceTimersByTimeAsync(6000); // the slow renew answers now
    f.finish();
    expect(await settled).toBeInstanceOf(LeaseLostError);
  });

  it('renews before fn starts when a waiting acquire took longer than a renewal period', async () => {
    const { dss, fake } = lockServer({ acquireDelayMs: 2500 });
    const f = controllableFn(1);
    const result = dss.lock.withLock('job', f.fn, { owner: 'me', ttlMs: TTL, waitMs: 10_000, renewEveryMs: 1000 });
    await jest.advanceTimersByTimeAsync(2500);
    expect(fake.requests.map((r) => r.path)).toEqual(['/lock/acquire', '/lock/renew']);
    await jest.advanceTimersByTimeAsync(1000); // without that renewal the lease would have ended at 3000
    expect(f.lease()!.signal.aborted).toBe(false);
    f.finish();
    await expect(result).resolves.toBe(1);
  });

  it('does not call fn when the lock is held (LockedError), and releases nothing', async () => {
    const holders = [{ owner: 'other', mode: 'exclusive', fencingToken: 3, expiresInMs: 100 }];
    const { dss, at } = lockServer({
      acquire: { status: 409, body: { error: { code: 'LOCKED', message: 'held', holders } } },
    });
    const fn = jest.fn(async () => 1);
    await expect(dss.lock.withLock('job', fn, { owner: 'me' })).rejects.toBeInstanceOf(LockedError);
    expect(fn).not.toHaveBeenCalled();
    expect(at('/lock/release')).toBe(0);
  });

  it("aborts the lease signal with the caller's reason when the caller's signal aborts", async () => {
    const { dss, at } = lockServer();
    const caller = new AbortController();
    const f = controllableFn(1);
    const result = dss.lock.withLock('job', f.fn, { owner: 'me', ttlMs: TTL, signal: caller.signal });
    await jest.advanceTimersByTimeAsync(10);
    const why = new Error('shutting down');
    caller.abort(why);
    expect(f.lease()!.signal.reason).toBe(why);
    f.fail(why);
    await expect(result).rejects.toBe(why);
    expect(at('/lock/release')).toBe(1);
  });
});
