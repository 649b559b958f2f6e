import { ENDPOINTS, P, requestsFor, specName, type Role } from '../support/fuzz/endpoints.js';
import {
  daemonPids,
  envelopeProblem,
  expectSameDaemons,
  fuzzEndpoint,
  seedFor,
  type Tally,
} from '../support/fuzz/fuzz-runner.js';
import { send, sendBytes } from '../support/fuzz/raw-http.js';
import { CacheDomain, LockDomain, QueueDomain, type Domain } from '../support/fuzz/state.js';
import { eventually, TestCluster, testPortOffset } from '../support/local-cluster.js';

// Property-based fuzzing of every HTTP endpoint of every role against a real
// local cluster (the public API (docs/locks.md, docs/queue.md, docs/cache.md), and section 5 "bad input gets a 4xx with
// a clear message and changes nothing"). Per endpoint: never a 5xx, every 4xx
// has the error envelope, a 4xx (or a read) leaves the known state of locks,
// topics and cache keys as it was, and no daemon dies. Seeds are fixed, so a
// run is repeatable; fast-check prints the shrunk counterexample on failure.

const SEED = 20_260_214;
/** Runs per endpoint: writes get more, the per-daemon routes fewer (they take no input). */
const runsFor = (method: string, role: string) => (role === 'any' ? 60 : method === 'GET' ? 100 : 150);

describe('fuzzing the HTTP API on the local cluster', () => {
  jest.setTimeout(300_000);
  const cluster = new TestCluster(testPortOffset() + 140);
  const url = (role: Role, node: string) => cluster.url(role, node);
  const lock = new LockDomain(url);
  const queue = new QueueDomain(url);
  const cache = new CacheDomain(url);
  const domains: Record<Role, Domain> = { lock, queue, cache };
  const tallies = new Map<string, Tally>();
  let pids: Map<string, number>;
  const started = Date.now();

  beforeAll(async () => {
    const up = await cluster.start();
    if (up.code !== 0) throw new Error(up.output);
    // Ready everywhere: the lock role has a leader, queue and cache see a majority.
    await eventually(
      async () => {
        for (const role of ['lock', 'queue', 'cache'] as const) {
          for (const node of ['node1', 'node2', 'node3'])
            if ((await send({ method: 'GET', origin: url(role, node), path: '/ready' }, 2000)).status !== 200)
              return false;
        }
        return true;
      },
      60_000,
      250,
    );
    for (const d of Object.values(domains)) await d.reset();
    pids = await daemonPids(url);
  }, 240_000);

  afterAll(async () => {
    const rows = [...tallies].map(
      ([name, t]) =>
        `${name.padEnd(34)} ${String(t.runs).padStart(4)} runs ${String(Math.round(t.ms)).padStart(6)} ms in requests  ${[
          ...t.outcomes,
        ]
          .sort()
          .map(([s, n]) => `${s}:${n}`)
          .join(' ')}`,
    );
    console.log(
      `fuzz summary (${Math.round((Date.now() - started) / 1000)} s wall, start-up included)\n${rows.join('\n')}`,
    );
    await cluster.dispose();
  }, 60_000);

  it('the checks can fail: the comparators notice a real change, the envelope check a wrong body', async () => {
    expect(
      envelopeProblem({ json: { error: 'Bad Request', message: 'Client Error', statusCode: 400 } }),
    ).not.toBeNull();
    expect(envelopeProblem({ json: { error: { code: 'INVALID_ARGUMENT', message: ' ' } } })).not.toBeNull();
    expect(
      envelopeProblem({ json: { error: { code: 'INVALID_ARGUMENT', message: 'resource must be a string' } } }),
    ).toBeNull();

    const post = (role: Role, path: string, body: unknown) =>
      send({
        method: 'POST',
        origin: url(role, 'node2'),
        path,
        contentType: 'application/json',
        body: JSON.stringify(body),
      });
    // Locks: someone takes the free resource; then the held lease is renewed.
    expect((await post('lock', '/lock/acquire', { resource: lock.free, owner: 'self-check' })).status).toBe(200);
    expect(await lock.diff()).toMatch(/changed/);
    await lock.reset();
    expect(await lock.diff()).toBeNull();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await post('lock', '/lock/renew', { resource: lock.held, owner: lock.owner })).status).toBe(200);
    expect(await lock.diff()).toMatch(/extended/);
    await lock.reset();
    // Queue: one more ready message.
    expect((await post('queue', '/queue/publish', { topic: queue.topic, message: 'self-check' })).status).toBe(201);
    expect(await queue.diff()).toMatch(/changed/);
    await queue.reset();
    expect(await queue.diff()).toBeNull();
    // Cache: another value, then a deleted one.
    expect(
      (
        await send({
          method: 'PUT',
          origin: url('cache', 'node3'),
          path: `/cache/${cache.key}`,
          contentType: 'application/json',
          body: '{"value":2}',
        })
      ).status,
    ).toBe(200);
    expect(await cache.diff()).toMatch(/changed/);
    await cache.reset();
    expect(
      (
        await send({
          method: 'PUT',
          origin: url('cache', 'node2'),
          path: `/cache/${cache.absent}`,
          contentType: 'application/json',
          body: '{"value":null}',
        })
      ).status,
    ).toBe(200);
    expect(await cache.diff()).toMatch(/changed/);
    await cache.reset();
    expect(await cache.diff()).toBeNull();
  });

  it('a body over 1 MiB gets 413 PAYLOAD_TOO_LARGE on every route that takes one, and changes nothing', async () => {
    const body = `{"value":"${'x'.repeat(1024 * 1024)}"}`;
    const names: Record<string, string> = Object.assign({}, ...Object.values(domains).map((d) => d.names()));
    for (const spec of ENDPOINTS.filter((s) => s.method !== 'GET' && s.role !== 'any')) {
      const role = spec.role as Role;
      const param = role === 'lock' ? names[P.resource]! : role === 'queue' ? names[P.topic]! : names[P.key]!;
      const a = await send({
        method: spec.method,
        origin: url(role, 'node2'),
        path: spec.path.replace('{}', () => param),
        contentType: 'application/json',
        body,
      });
      expect([specName(spec), a.status, (a.json as { error?: { code?: string } } | undefined)?.error?.code]).toEqual([
        specName(spec),
        413,
        'PAYLOAD_TOO_LARGE',
      ]);
      expect(await domains[role].diff()).toBeNull();
    }
  });

  // Found by the fuzzer: values nested ~4100 deep were accepted by one node and
  // then answered 500 by another (JSON.stringify overflows at a depth that
  // depends on the code path); a consume had moved the message in flight first.
  it('whatever publish or PUT accepts, consume or GET serves through every node', async () => {
    const problems: string[] = [];
    for (const depth of [1, 512, 513, 1000, 4000, 4060, 4100, 4500]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      for (const [i, from] of (['node1', 'node2', 'node3'] as const).entries()) {
        const to = (['node2', 'node3', 'node1'] as const)[i]!;
        const topic = `fz-deep-${depth}-${from}`;
        const pub = await send({
          method: 'POST',
          origin: url('queue', from),
          path: '/queue/publish',
          contentType: 'application/json',
          body: `{"topic":"${topic}","message":${nested}}`,
        });
        if (pub.status === 201) {
          const got = await send({
            method: 'POST',
            origin: url('queue', to),
            path: '/queue/consume',
            contentType: 'application/json',
            body: JSON.stringify({ topic }),
          });
          if (got.status !== 200)
            problems.push(
              `queue depth ${depth}: published on ${from}, consume on ${to} answered ${got.status} ${got.text.slice(0, 100)}`,
            );
        } else if (pub.status >= 500) problems.push(`queue depth ${depth}: publish on ${from} answered ${pub.status}`);
        const key = `fz-deep-${depth}-${from}`;
        const put = await send({
          method: 'PUT',
          origin: url('cache', from),
          path: `/cache/${key}`,
          contentType: 'application/json',
          body: `{"value":${nested}}`,
        });
        if (put.status === 200) {
          for (const node of ['node1', 'node2', 'node3']) {
            const got = await send({ method: 'GET', origin: url('cache', node), path: `/cache/${key}` });
            if (got.status !== 200)
              problems.push(
                `cache depth ${depth}: PUT on ${from}, GET on ${node} answered ${got.status} ${got.text.slice(0, 100)}`,
              );
          }
        } else if (put.status >= 500) problems.push(`cache depth ${depth}: PUT on ${from} answered ${put.status}`);
      }
    }
    expect(problems).toEqual([]);
  });

  // Found by the fuzzer: a retry (same requestId) of an acquire whose wait had
  // ended got the cached `queued` result, waited for an outcome already taken,
  // and answered 504 after waitMs + 5 s, every time.
  it('retrying an acquire whose wait ended gets 409 LOCKED at once, not 504', async () => {
    const body = JSON.stringify({ resource: lock.held, owner: 'fz-retry', requestId: 'fz-retry-1', waitMs: 50 });
    for (const node of ['node1', 'node2', 'node3', 'node1']) {
      const t0 = Date.now();
      const a = await send({
        method: 'POST',
        origin: url('lock', node),
        path: '/lock/acquire',
        contentType: 'application/json',
        body,
      });
      expect([node, a.status, (a.json as { error?: { code?: string } }).error?.code]).toEqual([node, 409, 'LOCKED']);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    expect(await lock.diff()).toBeNull();
  });

  for (const spec of ENDPOINTS) {
    const name = specName(spec);
    it(`${name}: never a 5xx, 4xx with the envelope, nothing changed`, async () => {
      const tally: Tally = { runs: 0, ms: 0, outcomes: new Map() };
      tallies.set(name, tally);
      await fuzzEndpoint(spec, requestsFor(spec), {
        url,
        domains,
        seed: seedFor(spec, SEED),
        numRuns: runsFor(spec.method, spec.role),
        tally,
      });
      await expectSameDaemons(url, pids);
    });
  }

  // Broken HTTP framing never reaches Fastify's router or Nest: Node's parser
  // rejects it. Fastify's default answer had its own body
  // ({"error":"Bad Request","message":"Client Error","statusCode":400}); the
  // daemon's clientErrorHandler (libs/http/src/framework-errors.ts) writes the
  // DSS envelope instead.
  it('broken HTTP framing still gets a 4xx with the error envelope', async () => {
    const cases = [
      'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n',
      'GET /he alth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /lock/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'POST /lock/acquire HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n',
      'GARBAGE\r\n\r\n',
    ];
    const problems: string[] = [];
    for (const bytes of cases) {
      const a = await sendBytes(url('lock', 'node1'), bytes);
      let json: unknown;
      try {
        json = JSON.parse(a?.body ?? '');
      } catch {
        json = undefined;
      }
      const problem =
        a === null ? 'no answer' : a.status < 400 || a.status >= 500 ? `status ${a.status}` : envelopeProblem({ json });
      if (problem)
        problems.push(`${JSON.stringify(bytes.slice(0, 60))}: ${problem} (${a?.status} ${a?.body.slice(0, 120)})`);
    }
    expect(problems).toEqual([]);
  });

  it('every daemon is still the process it was before the fuzzing', async () => {
    await expectSameDaemons(url, pids);
  });
});
