import {
  DssClient,
  FencedError,
  LeaseLostError,
  LockedError,
  NotFoundError,
  StaleReceiptError,
  type Delivery,
  type Endpoints,
  type Lease,
} from '@dss/client';
import { eventually, TestCluster } from '../support/local-cluster.js';

// The typed client (libs/client, docs/client.md) against a real local cluster:
// PM2, three daemons per role, Raft, Redis. Port offset 100 is this suite's.

const OFFSET = 100;
const NODES = ['node1', 'node2', 'node3'];

describe('DSS client on the local cluster', () => {
  jest.setTimeout(60_000);
  const cluster = new TestCluster(OFFSET);
  let dss: DssClient;
  /** A client that talks to one node of each role only. */
  const pinned = (node: string): DssClient => {
    const endpoints: Endpoints = {
      lock: [cluster.url('lock', node)],
      queue: [cluster.url('queue', node)],
      cache: [cluster.url('cache', node)],
    };
    return new DssClient({ endpoints, timeoutMs: 5000 });
  };

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
    dss = DssClient.fromCluster(cluster.cluster, { timeoutMs: 5000 });
    // Ready = every daemon answers and the lock role has a leader.
    await eventually(
      async () => {
        const rows = await dss.status({ timeoutMs: 2000 });
        return (
          rows.every((r) => r.healthy) &&
          rows.some((r) => (r.cluster?.raft as { state?: string } | undefined)?.state === 'leader')
        );
      },
      30_000,
      200,
    );
  }, 180_000);
  afterAll(() => cluster.dispose(), 60_000);

  describe('status', () => {
    it('lists 9 reachable, healthy endpoints with their /cluster view', async () => {
      const rows = await dss.status();
      expect(rows).toHaveLength(9);
      for (const row of rows) {
        expect(row).toMatchObject({ reachable: true, healthy: true });
        expect(row.error).toBeUndefined();
        expect(row.cluster?.role).toBe(row.role);
      }
      expect(rows.map((r) => r.cluster!.node.id)).toEqual([...NODES, ...NODES, ...NODES]);
      expect(rows.map((r) => r.url)).toEqual([...dss.endpoints.lock, ...dss.endpoints.queue, ...dss.endpoints.cache]);
    });

    it('local() with the same offset points at the same daemons', () => {
      expect(DssClient.local({ offset: OFFSET }).endpoints).toEqual(dss.endpoints);
    });
  });

  describe('locks', () => {
    it('acquire, renew, show, release; tokens only grow; a re-acquire keeps the token', async () => {
      const first = await dss.lock.acquire({ resource: 'c-orders', owner: 'alice', ttlMs: 10_000 });
      expect(first).toMatchObject({ acquired: true, resource: 'c-orders', owner: 'alice', mode: 'exclusive' });
      expect((await dss.lock.acquire({ resource: 'c-orders', owner: 'alice', ttlMs: 10_000 })).fencingToken).toBe(
        first.fencingToken,
      );
      const renewed = await dss.lock.renew({ resource: 'c-orders', owner: 'alice', ttlMs: 20_000 });
      expect(renewed).toMatchObject({ renewed: true });
      expect(renewed.expiresInMs).toBeGreaterThan(10_000);
      const shown = await pinned('node3').lock.show('c-orders');
      expect(shown.holders).toEqual([expect.objectContaining({ owner: 'alice', fencingToken: first.fencingToken })]);
      await expect(dss.lock.release({ resource: 'c-orders', owner: 'alice' })).resolves.toEqual({ released: true });
      await expect(dss.lock.release({ resource: 'c-orders', owner: 'alice' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(dss.lock.renew({ resource: 'c-orders', owner: 'alice' })).rejects.toBeInstanceOf(NotFoundError);
      const second = await pinned('node2').lock.acquire({ resource: 'c-orders', owner: 'bob' });
      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
      await dss.lock.release({ resource: 'c-orders', owner: 'bob' });
    });

    it('the server answers a repeated release / renew with the same requestId like the first (no 404)', async () => {
      await dss.lock.acquire({ resource: 'c-dedupe', owner: 'alice', ttlMs: 10_000 });
      const renew = { resource: 'c-dedupe', owner: 'alice', ttlMs: 10_000, requestId: 'renew-once' };
      await expect(dss.lock.renew(renew)).resolves.toMatchObject({ renewed: true });
      await expect(pinned('node2').lock.renew(renew)).resolves.toMatchObject({ renewed: true });
      const release = { resource: 'c-dedupe', owner: 'alice', requestId: 'release-once' };
      await expect(dss.lock.release(release)).resolves.toEqual({ released: true });
      await expect(pinned('node3').lock.release(release)).resolves.toEqual({ released: true }); // the retry of a lost answer
      await expect(dss.lock.release({ resource: 'c-dedupe', owner: 'alice' })).rejects.toBeInstanceOf(NotFoundError); // a new request
      // The first renew's id, sent again after the lease is gone, still gets its first answer.
      await expect(dss.lock.renew(renew)).resolves.toMatchObject({ renewed: true });
      expect((await dss.lock.show('c-dedupe')).holders).toEqual([]);
    });

    it('LockedError names the holders', async () => {
      const grant = await dss.lock.acquire({ resource: 'c-busy', owner: 'alice', ttlMs: 10_000 });
      const err = await pinned('node2')
        .lock.acquire({ resource: 'c-busy', owner: 'bob', waitMs: 100 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockedError);
      expect((err as LockedError).holders).toEqual([
        expect.objectContaining({ owner: 'alice', mode: 'exclusive', fencingToken: grant.fencingToken }),
      ]);
      expect(err).toMatchObject({ status: 409, code: 'LOCKED' });
      await dss.lock.release({ resource: 'c-busy', owner: 'alice' });
    });

    it('withLock runs fn under the lock with its token, then releases', async () => {
      let seen: { token: number; holders: unknown } | undefined;
      const result = await dss.lock.withLock(
        'c-with',
        async (lease) => {
          const state = await dss.lock.show('c-with');
          seen = { token: lease.fencingToken, holders: state.holders };
          return 'ok';
        },
        { owner: 'worker-1', ttlMs: 5000 },
      );
      expect(result).toBe('ok');
      expect(seen!.holders).toEqual([expect.objectContaining({ owner: 'worker-1', fencingToken: seen!.token })]);
      expect((await dss.lock.show('c-with')).holders).toEqual([]);
    });

    it('withLock keeps a lease alive past its TTL by renewing it', async () => {
      const token = await dss.lock.withLock(
        'c-long',
        async (lease) => {
          await new Promise((r) => setTimeout(r, 1500)); // 3 TTLs
          expect(lease.signal.aborted).toBe(false);
          const state = await dss.lock.show('c-long');
          expect(state.holders).toEqual([expect.objectContaining({ fencingToken: lease.fencingToken })]);
          return lease.fencingToken;
        },
        { ttlMs: 500 },
      );
      expect(token).toBeGreaterThan(0);
    });

    it('withLock aborts the signal with LeaseLostError when the renewal comes too late', async () => {
      let lease: Lease | undefined;
      const started = Date.now();
      const err = await dss.lock
        .withLock(
          'c-lost',
          async (l) => {
            lease = l;
            await new Promise<void>((resolve) => {
              l.signal.addEventListener('abort', () => resolve());
              setTimeout(resolve, 5000);
            });
            return 'finished anyway';
          },
          { owner: 'slow', ttlMs: 300, renewEveryMs: 10_000 },
        )
        .catch((e: unknown) => e);
      expect(lease!.signal.aborted).toBe(true);
      expect(lease!.signal.reason).toBeInstanceOf(LeaseLostError);
      expect(err).toBe(lease!.signal.reason); // fn resolved, but its work was not protected
      expect(Date.now() - started).toBeLessThan(4000);
      // The server expired it too: someone else gets it, with a greater token.
      const next = await dss.lock.acquire({ resource: 'c-lost', owner: 'fast', waitMs: 2000 });
      expect(next.fencingToken).toBeGreaterThan(lease!.fencingToken);
      await dss.lock.release({ resource: 'c-lost', owner: 'fast' });
    });

    it('fails over from dead endpoints and then sticks to the live one', async () => {
      const live = cluster.url('lock', 'node2');
      // Port 1 is refused by fetch itself; 8199 is a closed port on this host.
      const client = new DssClient({
        endpoints: { lock: ['http://127.0.0.1:1', 'http://127.0.0.1:8199', live], queue: [], cache: [] },
        timeoutMs: 5000,
      });
      const grant = await client.lock.acquire({ resource: 'c-failover', owner: 'alice' });
      expect(grant.acquired).toBe(true);
      expect(client.currentEndpoint('lock')).toBe(live);
      await expect(client.lock.release({ resource: 'c-failover', owner: 'alice' })).resolves.toEqual({
        released: true,
      });
    });
  });

  describe('queue', () => {
    it('publish, consume, ack; a receipt whose visibility ran out is stale', async () => {
      const { ids } = await dss.queue.publish({ topic: 'c-orders', messages: [{ n: 1 }, { n: 2 }] });
      expect(ids).toHaveLength(2);
      expect(await dss.queue.stats('c-orders')).toMatchObject({ topic: 'c-orders', ready: 2, inflight: 0 });
      const [first] = await pinned('node2').queue.consume({ topic: 'c-orders', visibilityMs: 200 });
      expect(first).toMatchObject({ id: ids[0], body: { n: 1 }, deliveries: 1 });
      await new Promise((r) => setTimeout(r, 400));
      const err = await dss.queue.ack({ topic: 'c-orders', receipt: first!.receipt }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StaleReceiptError);
      const again = await dss.queue.consume({ topic: 'c-orders', max: 10, waitMs: 3000 });
      expect(again.map((d) => [d.id, d.deliveries])).toEqual(
        expect.arrayContaining([
          [ids[0], 2],
          [ids[1], 1],
        ]),
      );
      await expect(
        pinned('node3').queue.ack({ topic: 'c-orders', receipts: again.map((d) => d.receipt) }),
      ).resolves.toEqual({ acked: 2, stale: [] });
      expect(await dss.queue.stats('c-orders')).toMatchObject({ ready: 0, inflight: 0, dead: 0 });
    });

    it('a publish repeated with its dedupId is stored once', async () => {
      const a = await dss.queue.publish({ topic: 'c-dedup', message: 'once', dedupId: 'c-dedup-1' });
      const b = await pinned('node3').queue.publish({ topic: 'c-dedup', message: 'once', dedupId: 'c-dedup-1' });
      expect(b).toEqual({ ids: a.ids, duplicate: true });
      expect((await dss.queue.stats('c-dedup')).ready).toBe(1);
    });

    it('dead letters and redrive', async () => {
      const { ids } = await dss.queue.publish({ topic: 'c-dead', message: 'poison' });
      for (let i = 0; i < 5; i++) {
        const [d] = await dss.queue.consume({ topic: 'c-dead', waitMs: 2000 });
        expect(d?.id).toBe(ids[0]);
        await dss.queue.nack({ topic: 'c-dead', receipt: d!.receipt });
      }
      expect(await dss.queue.stats('c-dead')).toMatchObject({ ready: 0, dead: 1 });
      expect(await dss.queue.dead('c-dead')).toMatchObject({
        topic: 'c-dead',
        messages: [expect.objectContaining({ id: ids[0] })],
      });
      expect(await dss.queue.redrive('c-dead')).toMatchObject({ topic: 'c-dead', redriven: 1 });
      const [back] = await dss.queue.consume({ topic: 'c-dead', waitMs: 2000 });
      expect(back).toMatchObject({ id: ids[0], deliveries: 1 });
      await dss.queue.ack({ topic: 'c-dead', receipt: back!.receipt });
    });

    it('a consumer handles every message, acks it, and stops cleanly', async () => {
      await dss.queue.publish({ topic: 'c-consumer', messages: [1, 2, 3, 4, 5] });
      const seen: Delivery[] = [];
      let running = 0;
      let maxRunning = 0;
      const consumer = dss.queue.consumer(
        'c-consumer',
        async (d) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 50));
          seen.push(d);
          running--;
        },
        { concurrency: 2, waitMs: 500 },
      );
      await eventually(async () => consumer.stats.handled === 5, 10_000);
      await consumer.stop();
      expect(seen.map((d) => d.body).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(maxRunning).toBe(2);
      expect(await dss.queue.stats('c-consumer')).toMatchObject({ ready: 0, inflight: 0 });
    });
  });

  describe('cache', () => {
    it('put, get from another node, coherence, del, flush', async () => {
      const key = 'user:42/ä b';
      const [n1, n2] = [pinned('node1'), pinned('node2')];
      await expect(n1.cache.put(key, { name: 'Ada' })).resolves.toEqual({ key, state: 'M' });
      await expect(n2.cache.get(key)).resolves.toMatchObject({ key, value: { name: 'Ada' }, state: 'S' });
      const view = await dss.cache.coherence(key);
      expect(view.key).toBe(key);
      expect(NODES).toContain(view.home);
      expect(view.states).toMatchObject({ node1: 'S', node2: 'S' });
      await n2.cache.put(key, { name: 'Grace' });
      expect((await dss.cache.coherence(key)).states).toMatchObject({ node1: 'I', node2: 'M' });
      await expect(n1.cache.get(key)).resolves.toMatchObject({ value: { name: 'Grace' } });
      const flushed = await dss.cache.flush();
      expect(flushed.map((f) => f.url)).toEqual(dss.endpoints.cache);
      expect(flushed.every((f) => f.flushed >= 0)).toBe(true);
      await expect(dss.cache.del(key)).resolves.toBe(true);
      await expect(dss.cache.del(key)).resolves.toBe(false);
      await expect(n2.cache.get(key)).resolves.toBeUndefined();
    });

    it("fences writes with a lock's token: a later holder's write wins, the earlier holder's is refused", async () => {
      const [n1, n2] = [pinned('node1'), pinned('node2')];
      const first = await dss.lock.acquire({ resource: 'c-fenced', owner: 'a', ttlMs: 200 });
      await n1.cache.put('c-fenced', 'a', { fence: first.fencingToken });
      await new Promise((r) => setTimeout(r, 400));
      const second = await dss.lock.acquire({ resource: 'c-fenced', owner: 'b', waitMs: 5000 });
      await n2.cache.put('c-fenced', 'b', { fence: second.fencingToken });
      const late = await n1.cache.put('c-fenced', 'late', { fence: first.fencingToken }).catch((err: unknown) => err);
      expect(late).toBeInstanceOf(FencedError);
      expect(late).toMatchObject({ fence: second.fencingToken });
      await expect(n1.cache.del('c-fenced', { fence: first.fencingToken })).rejects.toBeInstanceOf(FencedError);
      await expect(n1.cache.get('c-fenced')).resolves.toMatchObject({
        value: 'b',
        fence: { token: second.fencingToken },
      });
    });
  });
});
