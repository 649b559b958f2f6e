import { DssClient } from './dss-client.js';
import {
  AlreadyHeldError,
  DeadlockError,
  InvalidArgumentError,
  InvalidResponseError,
  LockedError,
  NotFoundError,
  PermitsMismatchError,
} from './errors.js';
import { countingIds, ENDPOINTS, FakeFetch, inOrder, type FakeReply } from './fake-fetch.test-kit.js';

function client(...replies: FakeReply[]) {
  const fake = new FakeFetch(inOrder(...replies));
  return {
    dss: new DssClient({ endpoints: ENDPOINTS, fetch: fake.fetch, newId: countingIds(), random: () => 0 }),
    fake,
  };
}

describe('LockClient', () => {
  it('acquire posts exactly the API fields and returns the grant', async () => {
    const grant = {
      acquired: true,
      resource: 'orders',
      owner: 'w1',
      mode: 'shared',
      fencingToken: 42,
      expiresInMs: 10_000,
    };
    const { dss, fake } = client({ status: 200, body: grant });
    await expect(
      dss.lock.acquire({ resource: 'orders', owner: 'w1', mode: 'shared', ttlMs: 10_000, waitMs: 5 }),
    ).resolves.toEqual(grant);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/lock/acquire',
      body: { resource: 'orders', owner: 'w1', mode: 'shared', ttlMs: 10_000, waitMs: 5, requestId: 'id-1' },
    });
  });

  it('acquire: 409 LOCKED -> LockedError with the holders; DEADLOCK -> DeadlockError with the cycle', async () => {
    const holders = [{ owner: 'alice', mode: 'exclusive', fencingToken: 3, expiresInMs: 800 }];
    const cycle = [
      { owner: 'w1', resource: 'a' },
      { owner: 'alice', resource: 'b' },
    ];
    const { dss, fake } = client(
      { status: 409, body: { error: { code: 'LOCKED', message: 'orders is held', holders } } },
      { status: 409, body: { error: { code: 'DEADLOCK', message: 'cycle', cycle } } },
    );
    const locked = await dss.lock.acquire({ resource: 'orders', owner: 'w1' }).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(LockedError);
    expect((locked as LockedError).holders).toEqual(holders);
    const deadlock = await dss.lock.acquire({ resource: 'b', owner: 'w1', waitMs: 1000 }).catch((e: unknown) => e);
    expect(deadlock).toBeInstanceOf(DeadlockError);
    expect((deadlock as DeadlockError).cycle).toEqual(cycle);
    expect(fake.requests).toHaveLength(2); // neither is retried
  });

  it('acquire passes permits for a semaphore; PERMITS_MISMATCH -> PermitsMismatchError with the live count', async () => {
    const { dss, fake } = client({
      status: 409,
      body: { error: { code: 'PERMITS_MISMATCH', message: 'pool is a semaphore of 3', resource: 'pool', permits: 3 } },
    });
    const err = await dss.lock.acquire({ resource: 'pool', owner: 'w1', permits: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermitsMismatchError);
    expect((err as PermitsMismatchError).permits).toBe(3);
    expect(fake.requests[0]).toMatchObject({ path: '/lock/acquire', body: { resource: 'pool', permits: 2 } });
  });

  it('acquireSet, releaseSet and renewSet post the API fields with one requestId per call', async () => {
    const grant = {
      acquired: true,
      owner: 'w1',
      fencingToken: 7,
      locks: [
        { resource: 'a', mode: 'exclusive', fencingToken: 7, expiresInMs: 900 },
        { resource: 'b', mode: 'shared', fencingToken: 7, expiresInMs: 900 },
      ],
    };
    const { dss, fake } = client(
      { status: 200, body: grant },
      { status: 200, body: { renewed: true, locks: [{ resource: 'a', fencingToken: 7, expiresInMs: 5000 }] } },
      { status: 200, body: { released: ['a'], notHeld: ['b'] } },
      { status: 409, body: { error: { code: 'ALREADY_HELD', message: 'w1 holds a', resource: 'a' } } },
      { status: 404, body: { error: { code: 'NOT_FOUND', message: 'w1 does not hold b', notHeld: ['b'] } } },
    );
    const locks = [{ resource: 'a' }, { resource: 'b', mode: 'shared' as const }];
    await expect(dss.lock.acquireSet({ owner: 'w1', locks, ttlMs: 900, waitMs: 3 })).resolves.toEqual(grant);
    await dss.lock.renewSet({ owner: 'w1', resources: ['a'], ttlMs: 5000 });
    await expect(dss.lock.releaseSet({ owner: 'w1', resources: ['a', 'b'] })).resolves.toEqual({
      released: ['a'],
      notHeld: ['b'],
    });
    expect(fake.requests.map((r) => [r.path, r.body])).toEqual([
      ['/lock/acquire-set', { owner: 'w1', locks, ttlMs: 900, waitMs: 3, requestId: 'id-1' }],
      ['/lock/renew-set', { owner: 'w1', resources: ['a'], ttlMs: 5000, requestId: 'id-2' }],
      ['/lock/release-set', { owner: 'w1', resources: ['a', 'b'], requestId: 'id-3' }],
    ]);
    await expect(dss.lock.acquireSet({ owner: 'w1', locks })).rejects.toBeInstanceOf(AlreadyHeldError);
    const notHeld = await dss.lock.renewSet({ owner: 'w1', resources: ['b'] }).catch((e: unknown) => e);
    expect(notHeld).toBeInstanceOf(NotFoundError);
    expect((notHeld as NotFoundError).details.notHeld).toEqual(['b']);
  });

  it('show URL-encodes the resource', async () => {
    const state = { resource: 'a/b c', holders: [], waiters: [] };
    const { dss, fake } = client({ status: 200, body: state });
    await expect(dss.lock.show('a/b c')).resolves.toEqual(state);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/lock/a%2Fb%20c' });
    await expect(dss.lock.show('')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('list sends only the parameters given, encoded, and returns the listing', async () => {
    const listing = {
      resources: [
        {
          resource: 'job/1',
          permits: 1,
          holders: [{ owner: 'w', mode: 'exclusive', fencingToken: 3, expiresInMs: 900 }],
          waiters: [{ owner: 'v', mode: 'shared' }],
        },
      ],
      truncated: true,
    };
    const { dss, fake } = client(
      { status: 200, body: listing },
      { status: 200, body: { resources: [], truncated: false } },
    );
    await expect(dss.lock.list({ prefix: 'job/ a&b', limit: 1 })).resolves.toEqual(listing);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/lock', query: { prefix: 'job/ a&b', limit: '1' } });
    await expect(dss.lock.list()).resolves.toEqual({ resources: [], truncated: false });
    expect(fake.requests[1]).toMatchObject({ method: 'GET', path: '/lock', query: {} });
  });

  it('list: a 400 is an InvalidArgumentError; an answer of the wrong shape is an InvalidResponseError', async () => {
    const { dss } = client(
      { status: 400, body: { error: { code: 'INVALID_ARGUMENT', message: 'limit must be at most 1000' } } },
      { status: 200, body: { resources: 'none' } },
    );
    await expect(dss.lock.list({ limit: 5000 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(dss.lock.list()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('renew and release return the server answers', async () => {
    const { dss, fake } = client(
      { status: 200, body: { renewed: true, fencingToken: 4, expiresInMs: 500 } },
      { status: 200, body: { released: true } },
    );
    await expect(dss.lock.renew({ resource: 'r', owner: 'o', ttlMs: 500 })).resolves.toEqual({
      renewed: true,
      fencingToken: 4,
      expiresInMs: 500,
    });
    await expect(dss.lock.release({ resource: 'r', owner: 'o' })).resolves.toEqual({ released: true });
    expect(fake.requests.map((r) => [r.path, r.body])).toEqual([
      ['/lock/renew', { resource: 'r', owner: 'o', ttlMs: 500, requestId: 'id-1' }],
      ['/lock/release', { resource: 'r', owner: 'o', requestId: 'id-2' }],
    ]);
  });

  it('rejects an answer that is not a grant (InvalidResponseError, not retried)', async () => {
    const { dss, fake } = client({ status: 200, body: { acquired: true, fencingToken: 'seven' } });
    const err = await dss.lock.acquire({ resource: 'r', owner: 'o' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as Error).message).toMatch(/lock1:8001.*resource/);
    expect(fake.requests).toHaveLength(1);
  });
});
