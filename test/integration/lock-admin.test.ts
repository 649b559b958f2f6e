import {
  contractMismatches,
  eventually,
  getJson,
  postJson,
  TestCluster,
  testPortOffset,
} from '../support/local-cluster.js';

// What the operator console relies on, on a real local cluster (three lock
// daemons, Raft over TCP): GET /lock lists live resources from any node, every
// node's GET /cluster shows the recent DEADLOCK refusals, and POST /lock/release
// frees any holder by hand (a set member, a semaphore permit).

interface Holder {
  owner: string;
  mode: string;
  fencingToken: number;
  expiresInMs: number;
}
interface ResourceState {
  resource: string;
  permits: number;
  holders: Holder[];
  waiters: { owner: string; mode: string }[];
}
interface Listing {
  resources: ResourceState[];
  truncated: boolean;
}
interface ErrorBody {
  error: { code: string; message: string; cycle?: { owner: string; resource: string }[] };
}
interface Deadlock {
  when: number;
  index: number;
  owner: string;
  resource: string;
  resources: string[];
  cycle: { owner: string; resource: string }[];
}
interface ClusterView {
  raft: { state: string };
  deadlocks: Deadlock[];
}

const NODES = ['node1', 'node2', 'node3'];

describe('lock administration on the local cluster', () => {
  jest.setTimeout(180_000);
  const cluster = new TestCluster(testPortOffset() + 110);
  const url = (node: string) => cluster.url('lock', node);

  async function leader(): Promise<string> {
    let found = '';
    await eventually(async () => {
      for (const n of NODES)
        if ((await getJson<ClusterView>(`${url(n)}/cluster`)).body.raft.state === 'leader') found = n;
      return found !== '';
    }, 10_000);
    return found;
  }
  const follower = async () => {
    const l = await leader();
    return NODES.find((n) => n !== l)!;
  };
  const post = (node: string, op: string, body: Record<string, unknown>) =>
    postJson<ErrorBody & Record<string, unknown>>(`${url(node)}/lock/${op}`, body);
  const list = (node: string, query = '') => getJson<Listing & ErrorBody>(`${url(node)}/lock${query}`);
  const read = (node: string, resource: string) =>
    getJson<ResourceState>(`${url(node)}/lock/${encodeURIComponent(resource)}`);
  /** What a listing and a read must agree on (expiresInMs moves between the two calls). */
  const settled = (r: ResourceState) => ({
    ...r,
    holders: r.holders.map(({ expiresInMs: _, ...h }) => h),
  });

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(() => cluster.dispose());

  it('lists the live resources by name from any node, filtered by prefix, cut at limit', async () => {
    const f = await follower();
    for (const [op, body] of [
      ['acquire', { resource: 'adm/b', owner: 'w1', mode: 'shared', ttlMs: 60_000 }],
      ['acquire', { resource: 'adm/b', owner: 'w2', mode: 'shared', ttlMs: 60_000 }],
      ['acquire', { resource: 'adm/a', owner: 'w3', ttlMs: 60_000 }],
      ['acquire', { resource: 'adm/c', owner: 'p1', permits: 2, ttlMs: 60_000 }],
      ['acquire', { resource: 'adm/gone', owner: 'w4', ttlMs: 60_000 }],
      ['release', { resource: 'adm/gone', owner: 'w4' }],
      ['acquire', { resource: 'other', owner: 'w5', ttlMs: 60_000 }],
    ] as const)
      expect([op, body.resource, (await post(f, op, body)).status]).toEqual([op, body.resource, 200]);

    for (const node of NODES) {
      const all = await list(node, '?prefix=adm%2F');
      expect(all.status).toBe(200);
      expect(all.body.truncated).toBe(false);
      expect(all.body.resources.map((r) => r.resource)).toEqual(['adm/a', 'adm/b', 'adm/c']);
      // The same entries GET /lock/{resource} answers.
      for (const r of all.body.resources) expect(settled(r)).toEqual(settled((await read(node, r.resource)).body));
    }
    const page = await list(f, '?prefix=adm/&limit=2');
    expect(page.body.resources.map((r) => r.resource)).toEqual(['adm/a', 'adm/b']);
    expect(page.body.truncated).toBe(true);
    expect((await list(f, '?prefix=adm/&limit=3')).body.truncated).toBe(false);
    const everything = (await list(f)).body.resources.map((r) => r.resource);
    expect(everything).toEqual(expect.arrayContaining(['adm/a', 'adm/b', 'adm/c', 'other']));
    expect(everything).toEqual([...everything].sort());
    expect((await list(f, '?prefix=nothing-here')).body).toEqual({ resources: [], truncated: false });
  });

  it('answers 400 to bad query parameters', async () => {
    const f = await follower();
    for (const q of [
      '?limit=0',
      '?limit=1001',
      '?limit=abc',
      '?limit=1.5',
      '?limit=-1',
      '?limit=1&limit=2',
      '?colour=red',
      `?prefix=${'p'.repeat(300)}`,
    ]) {
      const res = await list(f, q);
      expect([q, res.status, res.body.error?.code]).toEqual([q, 400, 'INVALID_ARGUMENT']);
    }
  });

  it("shows a DEADLOCK refusal in every node's GET /cluster, newest first", async () => {
    const f = await follower();
    expect((await post(f, 'acquire', { resource: 'dl/1', owner: 'ann', ttlMs: 60_000 })).status).toBe(200);
    expect((await post(f, 'acquire', { resource: 'dl/2', owner: 'bob', ttlMs: 60_000 })).status).toBe(200);
    const annWaits = post(f, 'acquire', { resource: 'dl/2', owner: 'ann', waitMs: 8000, ttlMs: 60_000 });
    await eventually(async () => (await read(f, 'dl/2')).body.waiters.length === 1, 5000);
    const refused = await post(f, 'acquire', { resource: 'dl/1', owner: 'bob', waitMs: 5000, ttlMs: 60_000 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('DEADLOCK');

    const seen: Deadlock[] = [];
    for (const node of NODES) {
      await eventually(async () => {
        const newest = (await getJson<ClusterView>(`${url(node)}/cluster`)).body.deadlocks[0];
        if (newest?.owner !== 'bob') return false;
        seen.push(newest);
        return true;
      }, 5000);
    }
    for (const d of seen) {
      expect(d).toMatchObject({ owner: 'bob', resource: 'dl/1', resources: ['dl/1'], index: seen[0].index });
      expect(d.cycle).toEqual(refused.body.error.cycle);
      expect(Math.abs(d.when - Date.now())).toBeLessThan(30_000);
    }
    // Ending the wait cleanly: bob lets go, ann's wait is granted.
    expect((await post(f, 'release', { resource: 'dl/2', owner: 'bob' })).status).toBe(200);
    expect((await annWaits).status).toBe(200);
  });

  it('releases one member of a lock set by hand; the others stay held with the set token', async () => {
    const f = await follower();
    const set = await post(f, 'acquire-set', {
      owner: 'batch',
      locks: [{ resource: 'set/1' }, { resource: 'set/2' }, { resource: 'set/3' }],
      ttlMs: 60_000,
    });
    expect(set.status).toBe(200);
    expect((await post(f, 'release', { resource: 'set/2', owner: 'batch' })).status).toBe(200);
    const after = (await list(f, '?prefix=set/')).body.resources;
    expect(after.map((r) => [r.resource, r.holders.map((h) => [h.owner, h.fencingToken])])).toEqual([
      ['set/1', [['batch', set.body.fencingToken]]],
      ['set/3', [['batch', set.body.fencingToken]]],
    ]);
    // The set's owner sees the gap: renew-set renews nothing, release-set frees the rest.
    const renew = await post(f, 'renew-set', { owner: 'batch', resources: ['set/1', 'set/2', 'set/3'] });
    expect(renew.status).toBe(404);
    expect(renew.body.error).toMatchObject({ code: 'NOT_FOUND', notHeld: ['set/2'] });
    const rest = await post(f, 'release-set', { owner: 'batch', resources: ['set/1', 'set/2', 'set/3'] });
    expect(rest.body).toEqual({ released: ['set/1', 'set/3'], notHeld: ['set/2'] });
  });

  it('releases one semaphore permit by hand and the next waiter gets it', async () => {
    const f = await follower();
    const sem = (owner: string, waitMs = 0) =>
      post(f, 'acquire', { resource: 'pool', owner, permits: 2, waitMs, ttlMs: 60_000 });
    expect((await sem('s1')).status).toBe(200);
    expect((await sem('s2')).status).toBe(200);
    const third = sem('s3', 8000);
    await eventually(async () => (await read(f, 'pool')).body.waiters.length === 1, 5000);
    expect((await post(f, 'release', { resource: 'pool', owner: 's1' })).status).toBe(200);
    expect((await third).status).toBe(200);
    const [pool] = (await list(f, '?prefix=pool')).body.resources;
    expect(pool).toMatchObject({ resource: 'pool', permits: 2, waiters: [] });
    expect(pool.holders.map((h) => h.owner)).toEqual(['s2', 's3']);
  });

  it('answered only what the API contract says', () => {
    const { checked, mismatches } = contractMismatches();
    expect(checked).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });
});
