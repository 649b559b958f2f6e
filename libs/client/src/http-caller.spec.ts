import type { ClientOptions } from './client-types.js';
import { DssClient } from './dss-client.js';
import { InvalidArgumentError, NotFoundError, OutcomeUnknownError, UnavailableError } from './errors.js';
import { countingIds, ENDPOINTS, FakeFetch, inOrder, seededRandom, type FakeRoute } from './fake-fetch.test-kit.js';

// The retry and failover rules, driven through DssClient with a scripted fetch.

const GRANT = { acquired: true, resource: 'r', owner: 'o', mode: 'exclusive', fencingToken: 7, expiresInMs: 30_000 };
const UNAVAILABLE = { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'no lock leader' } } };

function client(route: FakeRoute, opts: Partial<ClientOptions> = {}) {
  const fake = new FakeFetch(route);
  const dss = new DssClient({
    endpoints: ENDPOINTS,
    fetch: fake.fetch,
    random: seededRandom(42),
    newId: countingIds(),
    timeoutMs: 50,
    retry: { baseDelayMs: 1, maxDelayMs: 4 },
    ...opts,
  });
  return { dss, fake };
}

describe('failover and stickiness', () => {
  it.each([
    ['connection refused', 'refused' as const],
    ['a per-attempt timeout', 'hang' as const],
    ['HTTP 503', UNAVAILABLE],
  ])('moves to the next endpoint on %s and then sticks to the one that answered', async (_name, failure) => {
    const { dss, fake } = client((req) => (req.base === 'http://lock1:8001' ? failure : { status: 200, body: GRANT }));
    await expect(dss.lock.acquire({ resource: 'r', owner: 'o' })).resolves.toMatchObject({ fencingToken: 7 });
    expect(fake.requests.map((r) => r.base)).toEqual(['http://lock1:8001', 'http://lock2:8002']);
    // Sticky: later calls go straight to lock2, the first endpoint is not tried again.
    await dss.lock.acquire({ resource: 'r', owner: 'o' });
    await dss.lock.show('r').catch(() => undefined);
    expect(fake.requests.slice(2).map((r) => r.base)).toEqual(['http://lock2:8002', 'http://lock2:8002']);
    expect(dss.currentEndpoint('lock')).toBe('http://lock2:8002');
  });

  it('wraps around the list: after the last endpoint comes the first', async () => {
    const { dss, fake } = client(inOrder('refused', 'refused', 'refused', { status: 200, body: GRANT }));
    await dss.lock.acquire({ resource: 'r', owner: 'o' });
    expect(fake.requests.map((r) => r.base)).toEqual([...ENDPOINTS.lock, 'http://lock1:8001']);
  });

  it('keeps each role on its own endpoint', async () => {
    const { dss, fake } = client((req) =>
      req.base === 'http://lock1:8001'
        ? 'refused'
        : req.path.startsWith('/lock')
          ? { status: 200, body: GRANT }
          : { status: 200, body: { ids: ['m1'] } },
    );
    await dss.lock.acquire({ resource: 'r', owner: 'o' });
    await dss.queue.publish({ topic: 't', message: 1 });
    expect(fake.requests.map((r) => r.base)).toEqual(['http://lock1:8001', 'http://lock2:8002', 'http://queue1:8011']);
  });
});

describe('what is retried', () => {
  it('does not retry a 4xx answer, and sticks to the endpoint that gave it', async () => {
    const { dss, fake } = client(
      inOrder({ status: 400, body: { error: { code: 'INVALID_ARGUMENT', message: 'ttlMs: must be at least 100' } } }),
    );
    const err = await dss.lock.acquire({ resource: 'r', owner: 'o', ttlMs: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toMatchObject({
      code: 'INVALID_ARGUMENT',
      status: 400,
      endpoint: 'http://lock1:8001',
      message: 'ttlMs: must be at least 100',
    });
    expect(fake.requests).toHaveLength(1);
    expect(dss.currentEndpoint('lock')).toBe('http://lock1:8001');
  });

  it('does not retry a 404 either (a renew of an expired lease)', async () => {
    const { dss, fake } = client(
      inOrder({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'r by o is not held' } } }),
    );
    await expect(dss.lock.renew({ resource: 'r', owner: 'o' })).rejects.toBeInstanceOf(NotFoundError);
    expect(fake.requests).toHaveLength(1);
  });

  it('every attempt of an acquire carries the same requestId', async () => {
    const { dss, fake } = client(inOrder('refused', 'hang', UNAVAILABLE, { status: 200, body: GRANT }));
    await dss.lock.acquire({ resource: 'r', owner: 'o', ttlMs: 1000 });
    expect(fake.requests.map((r) => r.body)).toEqual(
      Array(4).fill({ resource: 'r', owner: 'o', ttlMs: 1000, requestId: 'id-1' }),
    );
  });

  it("every attempt of a release and of a renew carries the call's requestId, a new one per call", async () => {
    const { dss, fake } = client((req, i) =>
      i % 2 === 0
        ? 'reset'
        : { status: 200, body: req.path === '/lock/renew' ? { renewed: true, expiresInMs: 900 } : { released: true } },
    );
    await dss.lock.renew({ resource: 'r', owner: 'o', ttlMs: 900 });
    await dss.lock.release({ resource: 'r', owner: 'o' });
    expect(fake.requests.map((r) => (r.body as { requestId: string }).requestId)).toEqual([
      'id-1',
      'id-1',
      'id-2',
      'id-2',
    ]);
  });

  it('keeps a requestId the caller gave', async () => {
    const { dss, fake } = client(inOrder('reset', { status: 200, body: { released: true } }));
    await dss.lock.release({ resource: 'r', owner: 'o', requestId: 'mine' });
    expect(fake.requests.map((r) => r.body)).toEqual([
      { resource: 'r', owner: 'o', requestId: 'mine' },
      { resource: 'r', owner: 'o', requestId: 'mine' },
    ]);
  });

  it('every attempt of a publish carries the same dedupId', async () => {
    const { dss, fake } = client(inOrder('hang', 'reset', { status: 201, body: { ids: ['m1', 'm2'] } }));
    await expect(dss.queue.publish({ topic: 't', messages: [1, 2] })).resolves.toEqual({ ids: ['m1', 'm2'] });
    expect(fake.requests.map((r) => r.body)).toEqual(Array(3).fill({ topic: 't', messages: [1, 2], dedupId: 'id-1' }));
  });

  it.each([
    ['a timeout', 'hang' as const],
    ['a connection reset', 'reset' as const],
  ])('does not repeat an ack or a cache del after %s: OutcomeUnknownError', async (_name, failure) => {
    const { dss, fake } = client(inOrder(failure, { status: 200, body: { acked: 1, stale: [] } }));
    const err = await dss.queue.ack({ topic: 't', receipt: 'r1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({
      code: 'TIMEOUT',
      endpoint: 'http://queue1:8011',
      attempts: [{ url: 'http://queue1:8011' }],
    });
    expect(fake.requests).toHaveLength(1);
    const del = client(inOrder(failure, { status: 200, body: { deleted: true } }));
    await expect(del.dss.cache.del('k')).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(del.fake.requests).toHaveLength(1);
  });

  it.each([
    ['connection refused', 'refused' as const],
    ['HTTP 503', UNAVAILABLE],
  ])('does repeat an ack, nack, extend and del after %s (the server did not process it)', async (_name, failure) => {
    const { dss, fake } = client((req, i) =>
      i % 2 === 0 ? failure : { status: 200, body: req.path === '/queue/ack' ? { acked: 1, stale: [] } : {} },
    );
    await dss.queue.ack({ topic: 't', receipt: 'r1' });
    await dss.queue.nack({ topic: 't', receipt: 'r1', delayMs: 10 });
    await dss.queue.extend({ topic: 't', receipt: 'r1', visibilityMs: 1000 });
    await expect(dss.cache.del('k')).resolves.toBe(true);
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/queue/ack',
      '/queue/ack',
      '/queue/nack',
      '/queue/nack',
      '/queue/extend',
      '/queue/extend',
      '/cache/k',
      '/cache/k',
    ]);
  });

  it('repeats a safe call answered 504 (elsewhere), but not an unsafe one', async () => {
    const timeout = {
      status: 504,
      body: { error: { code: 'TIMEOUT', message: 'leader did not answer in time; retry with the same requestId' } },
    };
    const safe = client(inOrder(timeout, { status: 200, body: GRANT }));
    await safe.dss.lock.acquire({ resource: 'r', owner: 'o' });
    expect(safe.fake.requests.map((r) => r.base)).toEqual(['http://lock1:8001', 'http://lock2:8002']);
    const unsafe = client(inOrder(timeout, { status: 200, body: { deleted: true } }));
    const err = await unsafe.dss.cache.del('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ status: 504, code: 'TIMEOUT' });
    expect(unsafe.fake.requests).toHaveLength(1);
  });

  it('gives up after `attempts` with UnavailableError listing every attempt', async () => {
    const { dss, fake } = client(inOrder('refused', UNAVAILABLE, 'hang', 'refused', { status: 200, body: GRANT }), {
      retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const err = await dss.lock.acquire({ resource: 'r', owner: 'o' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    const unavailable = err as UnavailableError;
    expect(fake.requests).toHaveLength(4);
    expect(unavailable.requestId).toBe('id-1');
    expect(unavailable.attempts.map((a) => a.url)).toEqual([
      'http://lock1:8001',
      'http://lock2:8002',
      'http://lock3:8003',
      'http://lock1:8001',
    ]);
    expect(unavailable.attempts[0]!.error).toMatch(/ECONNREFUSED/);
    expect(unavailable.attempts[1]!.error).toMatch(/HTTP 503 UNAVAILABLE: no lock leader/);
    expect(unavailable.attempts[2]!.error).toMatch(/no answer within 50 ms.*may have been processed/);
  });

  it('honours attempts: 1 (no retry at all)', async () => {
    const { dss, fake } = client(inOrder('refused', { status: 200, body: GRANT }), { retry: { attempts: 1 } });
    await expect(dss.lock.acquire({ resource: 'r', owner: 'o' })).rejects.toBeInstanceOf(UnavailableError);
    expect(fake.requests).toHaveLength(1);
  });

  it('waits a full-jitter backoff between attempts, growing up to the cap', async () => {
    const waits: number[] = [];
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms !== 50) waits.push(ms ?? 0); // 50 ms is the per-attempt timeout
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    try {
      const { dss } = client(inOrder('refused'), {
        random: () => 0.999,
        retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 },
      });
      await expect(dss.lock.show('r')).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      spy.mockRestore();
    }
    expect(waits).toEqual([99, 199, 299, 299]);
  });
});

describe('timeouts and signals', () => {
  it('gives a waiting acquire its waitMs on top of the per-attempt timeout', async () => {
    const { dss, fake } = client((_req, i) =>
      i === 0 ? new Promise((r) => setTimeout(() => r({ status: 200, body: GRANT }), 120)) : 'refused',
    );
    await expect(dss.lock.acquire({ resource: 'r', owner: 'o', waitMs: 200 })).resolves.toMatchObject({
      fencingToken: 7,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it("stops retrying at once when the call's signal aborts, rejecting with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error('user gave up');
    const { dss, fake } = client(() => {
      controller.abort(reason);
      return 'refused';
    });
    await expect(dss.lock.acquire({ resource: 'r', owner: 'o' }, { signal: controller.signal })).rejects.toBe(reason);
    expect(fake.requests).toHaveLength(1);
  });

  it('aborts a request in flight when the signal aborts', async () => {
    const controller = new AbortController();
    const { dss, fake } = client(inOrder('hang'), { timeoutMs: 10_000 });
    const pending = dss.queue.consume({ topic: 't', waitMs: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(pending).rejects.toThrow('stop');
    expect(fake.requests).toHaveLength(1);
  });

  it('does not even start when the signal is already aborted', async () => {
    const { dss, fake } = client(inOrder({ status: 200, body: GRANT }));
    await expect(
      dss.lock.acquire({ resource: 'r', owner: 'o' }, { signal: AbortSignal.abort(new Error('no')) }),
    ).rejects.toThrow('no');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('requests', () => {
  it('sends the bearer token and JSON content type', async () => {
    const { dss, fake } = client(inOrder({ status: 200, body: GRANT }), { token: 's3cret' });
    await dss.lock.acquire({ resource: 'r', owner: 'o' });
    expect(fake.requests[0]!.headers).toMatchObject({
      authorization: 'Bearer s3cret',
      'content-type': 'application/json',
    });
  });

  it('throws InvalidArgumentError for a role without endpoints', async () => {
    const dss = new DssClient({
      endpoints: { lock: ENDPOINTS.lock, queue: [], cache: [] },
      fetch: new FakeFetch(inOrder('refused')).fetch,
    });
    await expect(dss.queue.stats('t')).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
