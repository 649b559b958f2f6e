import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';
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
    const v = await memory.allocateVersion('r');
    expect(await memory.write('r', '"x"', v)).toBe(true);
    expect(await memory.read('r')).toEqual({ value: '"x"', version: v });
    expect((await memory.delete('r')).existed).toBe(true);
    // The replica has it all.
    expect(await replica.client().hget('dss:cache:{r}', 'val')).toBeNull();
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
