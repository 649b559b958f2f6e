import type { Redis } from 'ioredis';
import { topicKeys } from './queue-keys.js';
import { QueueStore } from './queue-store.js';
import { redisInfo, startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// WAIT against a primary with a real replica. A WAIT that runs on a new
// connection (ioredis retrying it after a reconnect) has no writes to wait for
// and answers at once with every replica: the chaos suite saw that turn a
// publish made on a demoted primary into a 201 for a message that was lost.

let primary: RedisServerHandle;
let replica: RedisServerHandle;
let redis: Redis;
let store: QueueStore;

beforeAll(async () => {
  primary = await startRedisServer();
  replica = await startRedisServer();
  redis = primary.client();
  // Redis 7 waits 5 s before a diskless full sync by default, for more replicas to join.
  await redis.config('SET', 'repl-diskless-sync-delay', '0');
  await replica.client().replicaof('127.0.0.1', String(primary.port));
  store = new QueueStore(redis);
  for (let i = 0; i < 100 && !/slave0:.*state=online/.test(await redis.info('replication')); i++)
    await new Promise((res) => setTimeout(res, 100));
}, 20_000);

afterAll(async () => {
  await replica?.stop();
  await primary?.stop();
});

describe('publish durability (WAIT)', () => {
  it('counts the replica that acknowledged a write made on the same connection', async () => {
    const mark = store.connectionMark();
    await store.publish('durable', ['a'], {});
    expect(await store.waitDurable(1, 2000, mark)).toEqual({ requested: 1, acknowledged: 1, durable: true });
  });

  it('publishes of one turn share one WAIT, sent after all their scripts, and each is confirmed', async () => {
    const waitCalls = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await waitCalls();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.publish('durable-turn', [`m${i}`], { replicas: 1 })),
    );
    // A WAIT per publish was 20 replica round trips, one after another on the connection.
    expect((await waitCalls()) - before).toBe(1);
    for (const r of results) expect(r.durability).toEqual({ requested: 1, acknowledged: 1, durable: true });
    expect(await redis.llen(topicKeys('durable-turn').ready)).toBe(20);
  });

  it('says nothing is known when the client reconnected between the write and WAIT', async () => {
    const mark = store.connectionMark();
    await store.publish('durable', ['b'], {});
    redis.disconnect(true);
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    // On the new connection a bare WAIT would answer 1 at once, whatever became of the write.
    expect(await redis.wait(1, 2000)).toBe(1);
    expect(await store.waitDurable(1, 2000, mark)).toEqual({
      requested: 1,
      acknowledged: 0,
      durable: false,
      reconnected: true,
    });
  });

  it('confirms a duplicate publish only once the replica has the original, whichever connection retries it', async () => {
    // The retry of a publish that only its primary holds (the replica cut off, its last
    // acknowledgement still counted) must not be confirmed by the retrying connection's older
    // writes. Redis 7 moves a connection's WAIT offset to the primary's on every command, the
    // duplicate's script included, so WAIT covers the original; Redis 6 did so only on writes.
    const other = primary.client();
    const otherStore = new QueueStore(other);
    const otherMark = otherStore.connectionMark();
    await otherStore.publish('dup-durable', ['before'], {});
    expect((await otherStore.waitDurable(1, 2000, otherMark)).durable).toBe(true);
    const pid = Number((await redisInfo(replica.port)).process_id);
    process.kill(pid, 'SIGSTOP');
    try {
      const mark = store.connectionMark();
      const first = await store.publish('dup-durable', ['m'], { dedupId: 'd1' });
      expect((await store.waitDurable(1, 300, mark)).durable).toBe(false);
      const retry = await otherStore.publish('dup-durable', ['m'], { dedupId: 'd1' });
      expect(retry).toEqual({ ids: first.ids, duplicate: true });
      expect(await otherStore.waitDurable(1, 300, otherMark)).toEqual({
        requested: 1,
        acknowledged: 0,
        durable: false,
      });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const mark = otherStore.connectionMark();
    await otherStore.publish('dup-durable', ['m'], { dedupId: 'd1' });
    expect((await otherStore.waitDurable(1, 2000, mark)).durable).toBe(true);
  });
});
