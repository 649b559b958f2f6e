import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';
import { composeVersion } from './version-allocator.js';
import { CacheMemory, MemoryNotReplicatedError } from './cache-memory.js';

// With Sentinel the cache's memory operations count only once a replica has
// them. A primary without replicas (cut off, or demoted after a partition but
// not yet told) must refuse to serve as memory: the chaos suite saw a node read
// a 20 s old value from such a primary after the partition healed.

describe('CacheMemory with replicas (real Redis primary and replica)', () => {
  let primary: RedisServerHandle;
  let replica: RedisServerHandle;

  beforeAll(async () => {
    primary = await startRedisServer();
    replica = await startRedisServer();
    const admin = primary.client();
    await admin.config('SET', 'repl-diskless-sync-delay', '0');
    await replica.client().replicaof('127.0.0.1', String(primary.port));
    for (let i = 0; i < 100 && !/slave0:.*state=online/.test(await admin.info('replication')); i++)
      await new Promise((r) => setTimeout(r, 100));
  }, 20_000);
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  it('serves every operation once the replica acknowledged it', async () => {
    const client = primary.client();
    await client.ping(); // connected: the mark is this connection
    const memory = new CacheMemory(client, 1);
    const v = composeVersion(await memory.newVersionEpoch(), 1);
    expect(await memory.write('r', '"x"', v)).toBe(true);
    expect(await memory.read('r')).toEqual({ value: '"x"', version: v });
    expect((await memory.delete('r', v + 1)).existed).toBe(true);
    // The replica has it all.
    expect(await replica.client().hget('dss:cache:{r}', 'val')).toBeNull();
  });

  it("sends a batch of write-backs and its WAIT in the same turn's end", async () => {
    const client = primary.client();
    await client.ping();
    const memory = new CacheMemory(client, 1);
    const evals = jest.spyOn(client, 'eval');
    const waits = jest.spyOn(client, 'wait');
    try {
      const written = Promise.all([memory.write('now1', '"a"', 1), memory.write('now2', '"b"', 1)]);
      // The batch goes out at this turn's end; a WAIT left to the next turn's end would add a
      // loop iteration to every write-back a miss waits for.
      await new Promise((resolve) => setImmediate(resolve));
      expect(evals).toHaveBeenCalledTimes(1);
      expect(waits).toHaveBeenCalledTimes(1);
      expect(await written).toEqual([true, true]);
    } finally {
      evals.mockRestore();
      waits.mockRestore();
    }
  });

  it('shares one WAIT among the operations of a loop turn, and confirms each', async () => {
    const client = primary.client();
    await client.ping();
    const memory = new CacheMemory(client, 1);
    const admin = primary.client();
    const waits = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
    const before = await waits();
    const keys = Array.from({ length: 20 }, (_, i) => `turn${i}`);
    // Twenty misses at once, as a home serves a burst of readers: a WAIT each, one after the
    // other on the connection, was twenty replica round trips.
    await Promise.all(keys.map((k) => memory.read(k)));
    const versions = keys.map((_, i) => i + 1);
    expect((await waits()) - before).toBe(1);
    expect(await Promise.all(keys.map((k, i) => memory.write(k, `"v${i}"`, versions[i]!)))).toEqual(
      keys.map(() => true),
    );
    expect((await waits()) - before).toBe(2);
    // Every write reached the replica before it was confirmed.
    const onReplica = replica.client();
    expect(await Promise.all(keys.map((k) => onReplica.hget(`dss:cache:{${k}}`, 'val')))).toEqual(
      keys.map((_, i) => `"v${i}"`),
    );
  });

  it('refuses reads and writes on a primary that has no replica', async () => {
    const lonely = await startRedisServer();
    try {
      const client = lonely.client();
      await client.ping();
      const memory = new CacheMemory(client, 1);
      await expect(memory.read('r')).rejects.toThrow(MemoryNotReplicatedError);
      await expect(memory.write('r', '"stale"', 1)).rejects.toThrow('only 0 of 1 Redis replicas confirmed the write');
      // Without Sentinel (0 replicas to wait for) the same server serves.
      expect(await new CacheMemory(lonely.client(), 0).read('r')).toEqual({ value: '"stale"', version: 1 });
    } finally {
      await lonely.stop();
    }
  });

  it('refuses an operation whose connection changed before the acknowledgement', async () => {
    const client = primary.client();
    const memory = new CacheMemory(client, 1);
    await client.ping();
    const reconnecting = memory.write('q', '"y"', 1);
    client.disconnect(true);
    await expect(reconnecting).rejects.toThrow();
  });
});
