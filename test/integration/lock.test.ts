import { apiDocument, daemonRoutes } from '../../apps/dss-node/src/openapi/api-document.js';
import { lockRole } from '../../apps/dss-node/src/roles/default-roles.js';
import {
  contractMismatches,
  eventually,
  getJson,
  pm2,
  postJson,
  TestCluster,
  testPortOffset,
  type HttpAnswer,
} from '../support/local-cluster.js';

// The lock service on a real local cluster (PM2, three lock daemons with Raft
// over TCP and fsync), driven through the HTTP API like a user would.

interface Grant {
  acquired: boolean;
  fencingToken: number;
  expiresInMs: number;
}
interface ErrorBody {
  error: {
    code: string;
    message: string;
    holders?: { owner: string }[];
    cycle?: { owner: string; resource: string }[];
  };
}
interface SetGrant {
  acquired: boolean;
  fencingToken: number;
  locks: { resource: string; mode: string; fencingToken: number }[];
}
interface ClusterView {
  raft: { state: string; term: number; leader: string | null };
}

const NODES = ['node1', 'node2', 'node3'];

describe('lock service on the local cluster', () => {
  jest.setTimeout(180_000);
  const cluster = new TestCluster(testPortOffset() + 30);
  const url = (node: string) => cluster.url('lock', node);
  const up = new Set(NODES);

  async function leader(): Promise<string> {
    let found = '';
    await eventually(
      async () => {
        for (const n of up) {
          const view = await getJson<ClusterView>(`${url(n)}/cluster`);
          if (view.body.raft.state === 'leader') found = n;
        }
        return found !== '';
      },
      10_000,
      50,
    );
    return found;
  }
  const follower = async () => {
    const l = await leader();
    return [...up].find((n) => n !== l)!;
  };
  const acquire = (node: string, body: Record<string, unknown>) =>
    postJson<Grant & ErrorBody>(`${url(node)}/lock/acquire`, body);
  const release = (node: string, body: Record<string, unknown>) =>
    postJson<ErrorBody>(`${url(node)}/lock/release`, body);
  const read = (node: string, resource: string) =>
    getJson<{ permits: number; holders: { owner: string; fencingToken: number }[]; waiters: { owner: string }[] }>(
      `${url(node)}/lock/${encodeURIComponent(resource)}`,
    );
  const setCall = (node: string, op: 'acquire-set' | 'release-set' | 'renew-set', body: Record<string, unknown>) =>
    postJson<SetGrant & ErrorBody & { released?: string[]; notHeld?: string[] }>(`${url(node)}/lock/${op}`, body);

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(() => cluster.dispose());

  it('serves its part of the API contract at /openapi.json: the lock endpoints and the common ones', async () => {
    const res = await getJson<{ paths: Record<string, unknown> }>(`${url('node2')}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(apiDocument(daemonRoutes(lockRole), 'lock'));
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/lock/acquire', '/health', '/openapi.json']));
  });

  it('forwards a request sent to a follower and names the leader', async () => {
    const l = await leader();
    const f = await follower();
    const res = await acquire(f, { resource: 'fwd', owner: 'alice', ttlMs: 10_000 });
    expect(res.status).toBe(200);
    expect(res.leader).toBe(l);
    expect(res.body).toMatchObject({ acquired: true, resource: 'fwd', owner: 'alice', mode: 'exclusive' });
    const again = await acquire(l, { resource: 'fwd', owner: 'alice', ttlMs: 10_000 });
    expect(again.body.fencingToken).toBe(res.body.fencingToken); // re-acquire: same token
    const other = await acquire(f, { resource: 'fwd', owner: 'bob' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('LOCKED');
    expect(other.body.error.holders).toEqual([expect.objectContaining({ owner: 'alice' })]);
    expect((await read(f, 'fwd')).body.holders).toEqual([
      expect.objectContaining({ owner: 'alice', fencingToken: res.body.fencingToken }),
    ]);
    expect((await release(f, { resource: 'fwd', owner: 'alice' })).status).toBe(200);
    expect((await release(f, { resource: 'fwd', owner: 'alice' })).status).toBe(404);
  });

  it('answers 400 to each kind of bad input and changes nothing', async () => {
    const node = await follower();
    const bad: [string, unknown][] = [
      ['missing owner', { resource: 'bad' }],
      ['wrong type', { resource: 'bad', owner: 7 }],
      ['unknown field', { resource: 'bad', owner: 'x', colour: 'red' }],
      ['over-long resource', { resource: 'r'.repeat(300), owner: 'x' }],
      ['ttl too short', { resource: 'bad', owner: 'x', ttlMs: 5 }],
      ['ttl too long', { resource: 'bad', owner: 'x', ttlMs: 10 ** 9 }],
      ['negative wait', { resource: 'bad', owner: 'x', waitMs: -1 }],
      ['wait too long', { resource: 'bad', owner: 'x', waitMs: 3_600_000 }],
      ['bad mode', { resource: 'bad', owner: 'x', mode: 'both' }],
      ['no permits', { resource: 'bad', owner: 'x', permits: 0 }],
      ['too many permits', { resource: 'bad', owner: 'x', permits: 10_001 }],
      ['shared semaphore', { resource: 'bad', owner: 'x', permits: 2, mode: 'shared' }],
      ['not an object', [1, 2]],
      ['malformed JSON', '{"resource":'],
    ];
    for (const [name, body] of bad) {
      const res = await acquire(node, body as Record<string, unknown>);
      expect([name, res.status, res.body.error?.code]).toEqual([name, 400, 'INVALID_ARGUMENT']);
    }
    expect(
      (await postJson<ErrorBody>(`${url(node)}/lock/renew`, { resource: 'bad', owner: 'x', ttlMs: 'long' })).status,
    ).toBe(400);
    const badSets: [string, 'acquire-set' | 'release-set' | 'renew-set', unknown][] = [
      ['empty set', 'acquire-set', { owner: 'x', locks: [] }],
      ['member twice', 'acquire-set', { owner: 'x', locks: [{ resource: 'bad' }, { resource: 'bad' }] }],
      ['member field', 'acquire-set', { owner: 'x', locks: [{ resource: 'bad', colour: 'red' }] }],
      [
        '65 members',
        'acquire-set',
        { owner: 'x', locks: Array.from({ length: 65 }, (_, i) => ({ resource: `b${i}` })) },
      ],
      ['names not a list', 'release-set', { owner: 'x', resources: 'bad' }],
      ['empty name', 'renew-set', { owner: 'x', resources: ['bad', ''] }],
    ];
    for (const [name, op, body] of badSets) {
      const res = await setCall(node, op, body as Record<string, unknown>);
      expect([name, res.status, res.body.error?.code]).toEqual([name, 400, 'INVALID_ARGUMENT']);
    }
    expect((await read(node, 'bad')).body).toEqual({ resource: 'bad', permits: 1, holders: [], waiters: [] });
  });

  it('releases a lock when its TTL expires', async () => {
    const l = await leader();
    const grant = await acquire(l, { resource: 'ttl', owner: 'short', ttlMs: 500 });
    expect(grant.status).toBe(200);
    expect((await acquire(l, { resource: 'ttl', owner: 'next' })).status).toBe(409);
    const next = await acquire(l, { resource: 'ttl', owner: 'next', waitMs: 5000 });
    expect(next.status).toBe(200);
    expect(next.body.fencingToken).toBeGreaterThan(grant.body.fencingToken);
    expect((await postJson(`${url(l)}/lock/renew`, { resource: 'ttl', owner: 'short' })).status).toBe(404);
  });

  it('never expires a lease early, not even across a leader change (the new leader restarts it at full TTL)', async () => {
    const l = await leader();
    const grantedAt = Date.now();
    const grant = await acquire(l, { resource: 'lease', owner: 'patient', ttlMs: 3000 });
    expect(grant.status).toBe(200);
    // Still held shortly before the TTL runs out by the client's own clock.
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() - grantedAt)));
    expect((await read(l, 'lease')).body.holders).toEqual([expect.objectContaining({ owner: 'patient' })]);
    // Crash the leader 2 s into the lease; the survivors elect a new leader, which
    // starts the lease clock afresh: the lease must outlive its original 3 s.
    const pid = (await getJson<{ pid: number }>(`${url(l)}/health`)).body.pid;
    process.kill(pid, 'SIGKILL');
    up.delete(l);
    const survivor = [...up][0]!;
    await new Promise((r) => setTimeout(r, 3500 - (Date.now() - grantedAt)));
    const view = await read(survivor, 'lease');
    expect(view.status).toBe(200);
    expect(view.body.holders).toEqual([
      expect.objectContaining({ owner: 'patient', fencingToken: grant.body.fencingToken }),
    ]);
    // ... and still ends: at most a full TTL after the new leader took over.
    await eventually(async () => (await read(survivor, 'lease')).body.holders.length === 0, 10_000, 100);
    await eventually(async () => (await getJson(`${url(l)}/ready`)).status === 200, 30_000, 200);
    up.add(l);
  });

  it('refuses a two-owner deadlock with DEADLOCK and the cycle', async () => {
    const l = await leader();
    await acquire(l, { resource: 'dl-a', owner: 'p', ttlMs: 20_000 });
    await acquire(l, { resource: 'dl-b', owner: 'q', ttlMs: 20_000 });
    const pWaits = acquire(l, { resource: 'dl-b', owner: 'p', waitMs: 10_000 });
    await eventually(async () => (await read(l, 'dl-b')).body.waiters.length === 1, 5000);
    const qWaits = await acquire(l, { resource: 'dl-a', owner: 'q', waitMs: 10_000 });
    expect(qWaits.status).toBe(409);
    expect(qWaits.body.error.code).toBe('DEADLOCK');
    expect(qWaits.body.error.cycle).toEqual([
      { owner: 'q', resource: 'dl-a' },
      { owner: 'p', resource: 'dl-b' },
    ]);
    await release(l, { resource: 'dl-b', owner: 'q' });
    expect((await pWaits).status).toBe(200);
  });

  it('grants waiters in FIFO order', async () => {
    const l = await leader();
    await acquire(l, { resource: 'fifo', owner: 'holder', ttlMs: 20_000 });
    const order: string[] = [];
    const waiters = ['w1', 'w2', 'w3', 'w4'];
    const pending: Promise<HttpAnswer<Grant & ErrorBody>>[] = [];
    for (const w of waiters) {
      pending.push(
        acquire(l, { resource: 'fifo', owner: w, waitMs: 20_000, ttlMs: 20_000 }).then(async (res) => {
          order.push(w);
          await release(l, { resource: 'fifo', owner: w });
          return res;
        }),
      );
      await eventually(async () => (await read(l, 'fifo')).body.waiters.length === pending.length, 5000);
    }
    await release(l, { resource: 'fifo', owner: 'holder' });
    const grants = await Promise.all(pending);
    expect(order).toEqual(waiters);
    const tokens = grants.map((g) => g.body.fencingToken);
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
  });

  it('admits up to `permits` holders of a semaphore through any node, queues the next, and grants it a returned permit', async () => {
    const body = (owner: string, extra: Record<string, unknown> = {}) => ({
      resource: 'pool',
      owner,
      permits: 2,
      ttlMs: 20_000,
      ...extra,
    });
    const [a, b] = await Promise.all([acquire('node1', body('s1')), acquire('node2', body('s2'))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.fencingToken).not.toBe(b.body.fencingToken);
    const full = await acquire('node3', body('s3'));
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('LOCKED');
    const mismatch = await acquire('node3', { resource: 'pool', owner: 's3' });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.error.code).toBe('PERMITS_MISMATCH');
    const waits = acquire('node3', body('s3', { waitMs: 10_000 }));
    await eventually(async () => (await read('node1', 'pool')).body.waiters.length === 1, 5000);
    expect((await release('node2', { resource: 'pool', owner: 's1' })).status).toBe(200);
    const granted = await waits;
    expect(granted.status).toBe(200);
    expect(granted.body.fencingToken).toBeGreaterThan(b.body.fencingToken);
    const view = await read('node2', 'pool');
    expect(view.body.permits).toBe(2);
    expect(view.body.holders.map((h) => h.owner).sort()).toEqual(['s2', 's3']);
  });

  it('grants a lock set whole through a follower, queues it until every member is free, refuses a set deadlock', async () => {
    const f = await follower();
    const first = await setCall(f, 'acquire-set', {
      owner: 'tx1',
      locks: [{ resource: 'acct-1' }, { resource: 'acct-2', mode: 'shared' }],
      ttlMs: 20_000,
    });
    expect(first.status).toBe(200);
    expect(first.body.locks.map((l) => [l.resource, l.mode, l.fencingToken])).toEqual([
      ['acct-1', 'exclusive', first.body.fencingToken],
      ['acct-2', 'shared', first.body.fencingToken],
    ]);
    // tx2 needs acct-2 exclusively and acct-3 (free): it takes neither while it waits.
    const tx2 = setCall(f, 'acquire-set', {
      owner: 'tx2',
      locks: [{ resource: 'acct-3' }, { resource: 'acct-2' }],
      waitMs: 10_000,
      ttlMs: 20_000,
    });
    await eventually(async () => (await read(f, 'acct-3')).body.waiters.length === 1, 5000);
    expect((await read(f, 'acct-3')).body.holders).toEqual([]);
    // tx1 now waiting for acct-3 would wait for tx2, which waits for tx1: refused.
    const closing = await acquire(f, { resource: 'acct-3', owner: 'tx1', waitMs: 5000 });
    expect(closing.status).toBe(409);
    expect(closing.body.error.code).toBe('DEADLOCK');
    const released = await setCall(f, 'release-set', { owner: 'tx1', resources: ['acct-1', 'acct-2', 'acct-9'] });
    expect(released.body).toEqual({ released: ['acct-1', 'acct-2'], notHeld: ['acct-9'] });
    const second = await tx2;
    expect(second.status).toBe(200);
    expect(second.body.fencingToken).toBeGreaterThan(first.body.fencingToken);
    expect((await read(f, 'acct-3')).body.holders).toEqual([
      expect.objectContaining({ owner: 'tx2', fencingToken: second.body.fencingToken }),
    ]);
    const renewed = await setCall(f, 'renew-set', { owner: 'tx2', resources: ['acct-3', 'acct-1'] });
    expect(renewed.status).toBe(404);
    expect((await setCall(f, 'release-set', { owner: 'tx2', resources: ['acct-3', 'acct-2'] })).status).toBe(200);
  });

  it('replaces a SIGKILLed leader within 2 s; held locks stay held and tokens keep growing', async () => {
    const old = await leader();
    const held = await acquire(old, { resource: 'survivor', owner: 'keeper', ttlMs: 60_000 });
    expect(held.status).toBe(200);
    const heldSet = await setCall(old, 'acquire-set', {
      owner: 'keeper',
      locks: [{ resource: 'kept-1' }, { resource: 'kept-pool', permits: 3 }],
      ttlMs: 60_000,
    });
    expect(heldSet.status).toBe(200);
    const pid = (await getJson<{ pid: number }>(`${url(old)}/health`)).body.pid;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    up.delete(old);
    const survivor = [...up][0]!;
    let grant: HttpAnswer<Grant & ErrorBody> | undefined;
    await eventually(
      async () => {
        grant = await acquire(survivor, { resource: 'after-kill', owner: 'newcomer' }).catch(() => undefined);
        return grant?.status === 200;
      },
      10_000,
      20,
    );
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(grant!.body.fencingToken).toBeGreaterThan(held.body.fencingToken);
    expect((await read(survivor, 'survivor')).body.holders).toEqual([
      expect.objectContaining({ owner: 'keeper', fencingToken: held.body.fencingToken }),
    ]);
    expect((await acquire(survivor, { resource: 'survivor', owner: 'thief' })).status).toBe(409);
    for (const resource of ['kept-1', 'kept-pool']) {
      expect((await read(survivor, resource)).body.holders).toEqual([
        expect.objectContaining({ owner: 'keeper', fencingToken: heldSet.body.fencingToken }),
      ]);
    }
    expect((await read(survivor, 'kept-pool')).body.permits).toBe(3);
    // PM2 brings the killed daemon back; it rejoins as a follower.
    await eventually(async () => (await getJson(`${url(old)}/ready`)).status === 200, 30_000, 200);
    up.add(old);
  });

  it('hands leadership over on pm2 stop: every request succeeds, at most once retried', async () => {
    const old = await leader();
    const client = [...up].find((n) => n !== old)!;
    let stop = false;
    let retries = 0;
    let failures = 0;
    let done = 0;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const body = { resource: `pm2-${i % 5}`, owner: 'looper', ttlMs: 5000, requestId: `loop-${i}` };
        let res = await acquire(client, body).catch(() => undefined);
        if (res?.status !== 200) {
          retries++;
          res = await acquire(client, body).catch(() => undefined);
        }
        if (res?.status !== 200) failures++;
        await release(client, { resource: body.resource, owner: 'looper' }).catch(() => undefined);
        done++;
      }
    })();
    await eventually(async () => done > 20, 10_000);
    pm2(cluster, 'stop', `dss-lock-${old}`);
    up.delete(old);
    const newLeader = await leader();
    expect(newLeader).not.toBe(old);
    const before = done;
    await eventually(async () => done > before + 20, 10_000);
    stop = true;
    await loop;
    expect(failures).toBe(0);
    expect(retries).toBeLessThanOrEqual(1);
    pm2(cluster, 'start', `dss-lock-${old}`);
    await eventually(async () => (await getJson(`${url(old)}/ready`)).status === 200, 30_000, 200);
    up.add(old);
  });

  it('answers 503 UNAVAILABLE, after a bounded wait, when no majority is up', async () => {
    // The hard case: the node left alone is the leader, which must notice it
    // lost its quorum (check-quorum) rather than hang the request.
    const c = await leader();
    const [a, b] = NODES.filter((n) => n !== c) as [string, string];
    pm2(cluster, 'stop', `dss-lock-${a}`, `dss-lock-${b}`);
    up.delete(a);
    up.delete(b);
    const started = Date.now();
    const res = await acquire(c, { resource: 'no-quorum', owner: 'alone' });
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({ code: 'UNAVAILABLE', message: expect.stringMatching(/majority/) });
    expect(Date.now() - started).toBeLessThan(10_000);
    pm2(cluster, 'start', `dss-lock-${a}`, `dss-lock-${b}`);
    for (const n of [a, b]) {
      await eventually(async () => (await getJson(`${url(n)}/ready`)).status === 200, 30_000, 200);
      up.add(n);
    }
    expect((await acquire(c, { resource: 'quorum-back', owner: 'alone' })).status).toBe(200);
  });

  it('answered only as the API contract says (docs/api.md)', () => {
    const { checked, mismatches } = contractMismatches();
    expect(checked).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });
});
