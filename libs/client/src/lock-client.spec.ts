import { DssClient } from './dss-client.js';
import { DeadlockError, InvalidArgumentError, InvalidResponseError, LockedError } from './errors.js';
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

  it('show URL-encodes the resource', async () => {
    const state = { resource: 'a/b c', holders: [], waiters: [] };
    const { dss, fake } = client({ status: 200, body: state });
    await expect(dss.lock.show('a/b c')).resolves.toEqual(state);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/lock/a%2Fb%20c' });
    await expect(dss.lock.show('')).rejects.toBeInstanceOf(InvalidArgumentError);
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
