import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { memoryKey } from '../../libs/cache/src/memory/cache-memory.js';
import { decodeStored } from '../../libs/cache/src/values/stored-value.js';
import {
  contractMismatches,
  eventually,
  postJson,
  requestJson,
  TestCluster,
  testPortOffset,
} from '../support/local-cluster.js';

// Fenced writes on the cache (docs/cache.md, "Fenced writes") on a real local cluster: the
// classic paused-lock-holder replay with tokens from the lock API, over HTTP, over the Redis
// protocol and across the two; the fence surviving eviction and write-back (4 lines per
// node, so a few other keys push it out to Redis); tombstones; and bad tokens.

const NODES = ['node1', 'node2', 'node3'] as const;
type NodeId = (typeof NODES)[number];
const MAX_ENTRIES = 4;
/** The paused holder's lease: short, so the test waits little for it to run out. */
const SHORT_LEASE_MS = 300;

interface ErrorBody {
  error: { code: string; message: string; fence?: number };
}
interface Entry {
  key: string;
  value: unknown;
  source: string;
  fence?: { token: number };
}

describe('fenced writes on the cache', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(testPortOffset() + 190, {
    DSS_CACHE_MAX_ENTRIES: String(MAX_ENTRIES),
    DSS_CACHE_FLUSH_INTERVAL_MS: '60000',
  });
  const path = (node: NodeId, key: string) => `${cluster.url('cache', node)}/cache/${encodeURIComponent(key)}`;
  const put = (node: NodeId, key: string, value: unknown, token?: unknown) =>
    requestJson<ErrorBody>('PUT', path(node, key), { value, ...(token === undefined ? {} : { fence: { token } }) });
  const get = (node: NodeId, key: string) => requestJson<Entry & ErrorBody>('GET', path(node, key));
  const del = (node: NodeId, key: string, token?: number) =>
    requestJson<ErrorBody>('DELETE', path(node, key), token === undefined ? undefined : { fence: { token } });
  const respPort = (node: NodeId) => cluster.cluster.nodes.find((n) => n.id === node)!.ports.cache!.resp!;
  const clients = new Map<NodeId, Redis>();
  const resp = (node: NodeId) => clients.get(node)!;
  /** A RESP command's reply, or its error line. */
  const call = (node: NodeId, ...args: (string | number)[]) =>
    resp(node)
      .call(String(args[0]), ...args.slice(1).map(String))
      .catch((err: Error) => err.message);
  let memory: Redis;

  /** A grant from the lock API: the token the lock service issued. */
  const acquire = async (resource: string, owner: string, ttlMs: number): Promise<number> => {
    const answer = await postJson<{ fencingToken: number }>(`${cluster.url('lock', 'node1')}/lock/acquire`, {
      resource,
      owner,
      ttlMs,
      waitMs: 5000,
    });
    expect(answer.status).toBe(200);
    return answer.body.fencingToken;
  };
  /** A paused client: A's lease runs out, then B takes the lock (a higher token). */
  const pausedHolder = async (resource: string) => {
    const a = await acquire(resource, 'client-a', SHORT_LEASE_MS);
    return {
      a,
      takeOver: async () => {
        await sleep(SHORT_LEASE_MS * 2);
        const b = await acquire(resource, 'client-b', 30_000);
        expect(b).toBeGreaterThan(a);
        return b;
      },
    };
  };
  const expectEverywhere = async (key: string, value: unknown, token: number) => {
    for (const n of NODES) {
      const got = await get(n, key);
      expect({ node: n, status: got.status, value: got.body.value, fence: got.body.fence }).toEqual({
        node: n,
        status: 200,
        value,
        fence: { token },
      });
    }
  };
  const fencedRefusals = async (node: NodeId, op: string): Promise<number> => {
    const text = await (await fetch(`${cluster.url('cache', node)}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('dss_cache_fenced_total{') && l.includes(`op="${op}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    const up = await cluster.start();
    if (up.code !== 0) throw new Error(up.output);
    for (const n of NODES)
      clients.set(
        n,
        new Redis({ port: respPort(n), host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false }),
      );
    await eventually(
      async () => (await Promise.all(NODES.map((n) => call(n, 'PING')))).every((p) => p === 'PONG'),
      30_000,
      200,
    );
    const r = cluster.cluster.redis!;
    memory = new Redis({
      host: r.mode === 'standalone' ? r.host : '127.0.0.1',
      port: r.mode === 'standalone' ? r.port : 6379,
    });
  }, 240_000);

  afterAll(async () => {
    for (const c of clients.values()) c.disconnect();
    memory?.disconnect();
    await cluster.dispose();
  }, 60_000);

  it("refuses a paused lock holder's late HTTP write on every node once a later holder wrote through another", async () => {
    const key = 'fence-http';
    const { a, takeOver } = await pausedHolder('res-http');
    expect((await put('node1', key, { by: 'A', seq: 1 }, a)).status).toBe(200);
    const b = await takeOver();
    expect((await put('node2', key, { by: 'B', seq: 1 }, b)).status).toBe(200);
    const before = await fencedRefusals('node1', 'set');
    for (const n of NODES) {
      const late = await put(n, key, { by: 'A', seq: 2 }, a);
      expect({ node: n, status: late.status, code: late.body.error?.code, fence: late.body.error?.fence }).toEqual({
        node: n,
        status: 409,
        code: 'FENCED',
        fence: b,
      });
    }
    expect(await fencedRefusals('node1', 'set')).toBe(before + 1);
    // A's late delete is refused too; B's own token again (equal) is accepted.
    expect((await del('node3', key, a)).body.error?.code).toBe('FENCED');
    await expectEverywhere(key, { by: 'B', seq: 1 }, b);
    expect((await put('node3', key, { by: 'B', seq: 2 }, b)).status).toBe(200);
    // An unfenced write is accepted and keeps B's token: A is still refused after it.
    expect((await put('node1', key, { by: 'anyone' })).status).toBe(200);
    expect((await put('node2', key, { by: 'A', seq: 3 }, a)).status).toBe(409);
    await expectEverywhere(key, { by: 'anyone' }, b);
  });

  it('does the same over the Redis protocol, SET … FENCE and FDEL', async () => {
    const key = 'fence-resp';
    const { a, takeOver } = await pausedHolder('res-resp');
    expect(await call('node1', 'SET', key, 'A1', 'FENCE', a)).toBe('OK');
    const b = await takeOver();
    expect(await call('node2', 'SET', key, 'B1', 'FENCE', b, 'PX', 60_000)).toBe('OK');
    for (const n of NODES) {
      expect(await call(n, 'SET', key, 'A2', 'FENCE', a)).toMatch(/^FENCED fencing token \d+ is older than the token/);
      expect(await call(n, 'FDEL', key, a)).toMatch(/^FENCED /);
      expect(await call(n, 'GET', key)).toBe('B1');
    }
    await expectEverywhere(key, 'B1', b);
    // Ordinary Redis commands still work on a fenced key and keep its token.
    expect(await call('node3', 'SET', key, 'plain')).toBe('OK');
    expect(await call('node1', 'PEXPIRE', key, 60_000)).toBe(1);
    expect(await call('node2', 'PERSIST', key)).toBe(1);
    expect(await call('node3', 'TTL', key)).toBe(-1);
    expect(await call('node1', 'SET', key, 'A3', 'FENCE', a)).toMatch(/^FENCED /);
    // Counters are not fenced, and keep the key's token.
    expect(await call('node1', 'SET', `${key}-n`, '1', 'FENCE', b)).toBe('OK');
    expect(await call('node2', 'INCRBY', `${key}-n`, 5)).toBe(6);
    expect(await call('node3', 'SET', `${key}-n`, '0', 'FENCE', a)).toMatch(/^FENCED /);
    expect(await call('node3', 'GET', `${key}-n`)).toBe('6');
    expect(await call('node2', 'FDEL', key, b)).toBe(1);
    expect(await call('node2', 'GET', key)).toBeNull();
    expect(await call('node3', 'COMMAND', 'INFO', 'fdel')).toEqual([['fdel', 3, ['write'], 1, 1, 1]]);
  });

  it('checks tokens across the two protocols', async () => {
    const key = 'fence-cross';
    const { a, takeOver } = await pausedHolder('res-cross');
    expect(await call('node1', 'SET', key, 'A1', 'FENCE', a)).toBe('OK');
    const b = await takeOver();
    expect((await put('node2', key, 'B1', b)).status).toBe(200);
    expect(await call('node3', 'SET', key, 'A2', 'FENCE', a)).toMatch(/^FENCED /);
    expect(await call('node1', 'SET', key, 'B2', 'FENCE', b)).toBe('OK');
    expect((await put('node3', key, 'A3', a)).body.error?.code).toBe('FENCED');
    expect((await del('node1', key, a)).body.error?.code).toBe('FENCED');
    await expectEverywhere(key, 'B2', b);
  });

  it("keeps a delete's fence in a tombstone, fenced or not", async () => {
    expect((await put('node1', 'tomb-1', 'v', 10)).status).toBe(200);
    expect((await del('node2', 'tomb-1', 11)).status).toBe(200);
    expect((await get('node3', 'tomb-1')).status).toBe(404);
    expect((await put('node1', 'tomb-1', 'late', 10)).body.error).toMatchObject({ code: 'FENCED', fence: 11 });
    expect((await get('node1', 'tomb-1')).status).toBe(404);
    expect((await put('node3', 'tomb-1', 'next', 11)).status).toBe(200);
    // An unfenced delete keeps the token too, from a holder's dirty line that memory has not
    // seen (node3 owns it with 12; memory remembers 11) …
    expect((await put('node3', 'tomb-1', 'newer', 12)).status).toBe(200);
    expect((await del('node3', 'tomb-1')).status).toBe(200);
    expect((await put('node2', 'tomb-1', 'late', 11)).body.error).toMatchObject({ code: 'FENCED', fence: 12 });
    // … and from memory, deleted through another node.
    expect((await put('node1', 'tomb-2', 'v', 20)).status).toBe(200);
    expect((await requestJson('POST', `${cluster.url('cache', 'node1')}/cache/flush`)).status).toBe(200);
    expect((await del('node2', 'tomb-2')).status).toBe(200);
    expect((await put('node3', 'tomb-2', 'late', 19)).body.error?.code).toBe('FENCED');
    // A fenced delete of a key with no value answers 404 and still leaves the fence.
    expect((await del('node1', 'tomb-3', 30)).status).toBe(404);
    expect((await put('node2', 'tomb-3', 'late', 29)).body.error?.code).toBe('FENCED');
    expect((await put('node2', 'tomb-3', 'ok', 30)).status).toBe(200);
  });

  it('remembers the fence through eviction and write-back to Redis', async () => {
    const key = 'fence-evicted';
    expect((await put('node1', key, 'kept', 50)).status).toBe(200);
    for (let i = 0; i < MAX_ENTRIES * 3; i++)
      for (const n of NODES) expect((await put(n, `filler-${n}-${i}`, i)).status).toBe(200);
    // Every node dropped it; Redis has it, with its fence, from node1's write-back.
    for (const n of NODES)
      expect(
        (await requestJson<{ states: Record<string, string> }>('GET', `${path(n, key)}/coherence`)).body.states[n],
      ).toBe('I');
    expect(decodeStored((await memory.hget(memoryKey(key), 'val'))!)).toEqual({ body: "'kept", fence: 50 });
    expect((await put('node2', key, 'stale', 49)).body.error).toMatchObject({ code: 'FENCED', fence: 50 });
    const got = await get('node3', key);
    expect(got.body).toMatchObject({ value: 'kept', fence: { token: 50 } });
    expect(await call('node3', 'SET', key, 'stale', 'FENCE', 49)).toMatch(/^FENCED /);
  });

  it('answers a bad token with 400 or ERR and changes nothing', async () => {
    const key = 'fence-bad';
    expect((await put('node1', key, 'good', 5)).status).toBe(200);
    const bad: unknown[] = [0, -1, 1.5, 2 ** 53, 1e300, '7', null];
    for (const token of bad) {
      const answer = await put('node2', key, 'bad', token);
      expect({ token, status: answer.status, code: answer.body.error?.code }).toEqual({
        token,
        status: 400,
        code: 'INVALID_ARGUMENT',
      });
    }
    for (const body of [
      { value: 'bad', fence: 7 },
      { value: 'bad', fence: { token: 7, extra: 1 } },
      { value: 'bad', fence: {} },
    ])
      expect((await requestJson<ErrorBody>('PUT', path('node3', key), body)).status).toBe(400);
    for (const body of [{ fence: { token: 0 } }, { fence: 6 }, { token: 6 }])
      expect((await requestJson<ErrorBody>('DELETE', path('node3', key), body)).status).toBe(400);
    for (const token of ['0', '-1', 'abc', '1.5', '9007199254740992', '07']) {
      expect(await call('node1', 'SET', key, 'bad', 'FENCE', token)).toMatch(/^ERR invalid fencing token/);
      expect(await call('node2', 'FDEL', key, token)).toMatch(/^ERR invalid fencing token/);
    }
    expect(await call('node1', 'SET', key, 'bad', 'FENCE')).toMatch(/^ERR syntax error/);
    expect(await call('node1', 'SET', key, 'bad', 'FENCE', 6, 'FENCE', 7)).toMatch(/^ERR syntax error/);
    expect(await call('node1', 'FDEL', key)).toMatch(/^ERR wrong number of arguments/);
    await expectEverywhere(key, 'good', 5);
  });

  it('answered as the API contract says', () => {
    const { checked, mismatches } = contractMismatches();
    expect(checked).toBeGreaterThan(50);
    expect(mismatches).toEqual([]);
  });
});
