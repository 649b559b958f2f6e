import type { Redis } from 'ioredis';
import { QueueFencedError, QueueInputError } from './queue-errors.js';
import { PRIORITY_FAIR_EVERY } from './queue-limits.js';
import { topicKeys } from './queue-keys.js';
import { QueueStore } from './queue-store.js';
import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// Priorities (higher first, FIFO within one, the starvation guard, their mix
// with groups) and fenced publish. Logical clock: every call passes `now`.
const T0 = 1_700_000_000_000;
const VIS = 1000;

let server: RedisServerHandle;
let redis: Redis;
let store: QueueStore;
let topicSeq = 0;
const topic = (): string => `p${++topicSeq}`;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
  store = new QueueStore(redis);
});
afterAll(async () => {
  await server.stop();
});

/** Consumes and acks one message at a time until none is left; returns the bodies in delivery order. */
async function drainOneByOne(t: string, from: number): Promise<unknown[]> {
  const order: unknown[] = [];
  for (let now = from; ; now++) {
    const [m] = await store.consume(t, 1, VIS, now);
    if (!m) return order;
    order.push(m.body);
    await store.ack(t, [m.receipt], now);
  }
}

describe('priorities', () => {
  it('delivers higher priorities first, FIFO within one; the default is 4', async () => {
    const t = topic();
    await store.publish(t, ['low'], { priority: 0 }, T0);
    await store.publish(t, ['normal1'], {}, T0);
    await store.publish(t, ['urgent1', 'urgent2'], { priority: 9 }, T0);
    await store.publish(t, ['normal2'], { priority: 4 }, T0);
    await store.publish(t, ['high'], { priority: 6 }, T0);
    expect(await store.stats(t)).toMatchObject({ ready: 6 });
    const got = await store.consume(t, 10, VIS, T0);
    expect(got.map((m) => m.body)).toEqual(['urgent1', 'urgent2', 'high', 'normal1', 'normal2', 'low']);
    expect(got.map((m) => m.priority)).toEqual([9, 9, 6, undefined, undefined, 0]);
  });

  it(`starvation guard: every ${PRIORITY_FAIR_EVERY}th delivery while several levels are ready serves the oldest`, async () => {
    const t = topic();
    await store.publish(t, ['old-low'], { priority: 0 }, T0);
    await store.publish(
      t,
      Array.from({ length: 3 * PRIORITY_FAIR_EVERY }, (_, i) => `hi${i}`),
      { priority: 9 },
      T0 + 1,
    );
    const order = await drainOneByOne(t, T0 + 2);
    expect(order).toHaveLength(3 * PRIORITY_FAIR_EVERY + 1);
    const at = order.indexOf('old-low');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(PRIORITY_FAIR_EVERY);
    // The urgent ones stay FIFO among themselves.
    expect(order.filter((b) => b !== 'old-low')).toEqual(
      Array.from({ length: 3 * PRIORITY_FAIR_EVERY }, (_, i) => `hi${i}`),
    );
  });

  it('a redelivery goes back to the head of its own level; a delayed one to its level when due', async () => {
    const t = topic();
    await store.publish(t, ['u1', 'u2'], { priority: 8 }, T0);
    await store.publish(t, ['n1'], {}, T0);
    await store.publish(t, ['later'], { priority: 9, delayMs: 100 }, T0);
    await store.consume(t, 1, VIS, T0); // u1, then its window runs out
    const got = await store.consume(t, 10, VIS, T0 + VIS);
    expect(got.map((m) => [m.body, m.deliveries])).toEqual([
      ['later', 1],
      ['u1', 2],
      ['u2', 1],
      ['n1', 1],
    ]);
  });

  it('groups keep publish order whatever the priorities; priority orders the group heads', async () => {
    const t = topic();
    await store.publish(t, ['a-low'], { group: 'a', priority: 1 }, T0);
    await store.publish(t, ['a-urgent'], { group: 'a', priority: 9 }, T0);
    await store.publish(t, ['b-high'], { group: 'b', priority: 7 }, T0);
    await store.publish(t, ['plain'], {}, T0);
    expect(await drainOneByOne(t, T0)).toEqual(['b-high', 'plain', 'a-low', 'a-urgent']);
  });

  it('a level listed without messages (a hand-edited Redis) does not stop delivery', async () => {
    const t = topic();
    await store.publish(t, ['low'], { priority: 2 }, T0);
    await redis.zadd(topicKeys(t).levels, 7, '7');
    expect((await store.consume(t, 10, VIS, T0)).map((m) => m.body)).toEqual(['low']);
    expect(await redis.exists(topicKeys(t).levels)).toBe(0);
  });

  it('refuses a priority outside 0-9, writing nothing', async () => {
    const t = topic();
    for (const priority of [-1, 10, 1.5])
      await expect(store.publish(t, ['m'], { priority }, T0)).rejects.toThrow(QueueInputError);
    expect(await store.stats(t)).toMatchObject({ ready: 0 });
  });
});

describe('fenced publish', () => {
  it('refuses a token older than the highest that published, storing nothing; equal and higher pass', async () => {
    const t = topic();
    expect((await store.stats(t)).fence).toBeUndefined();
    await store.publish(t, ['by5'], { fenceToken: 5 }, T0);
    await store.publish(t, ['by5-again'], { fenceToken: 5 }, T0);
    const refused = store.publish(t, ['by4', 'by4b'], { fenceToken: 4, group: 'g', priority: 9 }, T0);
    await expect(refused).rejects.toThrow(QueueFencedError);
    await expect(refused).rejects.toMatchObject({ code: 'FENCED', token: 4, fence: 5 });
    expect(await store.stats(t)).toEqual({
      ready: 2,
      inflight: 0,
      delayed: 0,
      dead: 0,
      waiting: 0,
      groups: 0,
      fence: 5,
    });
    await store.publish(t, ['unfenced'], {}, T0); // no token: accepted, fence unchanged
    expect((await store.stats(t)).fence).toBe(5);
    await store.publish(t, ['by-big'], { fenceToken: Number.MAX_SAFE_INTEGER }, T0);
    expect((await store.stats(t)).fence).toBe(Number.MAX_SAFE_INTEGER);
    await expect(store.publish(t, ['x'], { fenceToken: Number.MAX_SAFE_INTEGER - 1 }, T0)).rejects.toThrow(
      QueueFencedError,
    );
    expect((await store.consume(t, 10, VIS, T0)).map((m) => m.body)).toEqual([
      'by5',
      'by5-again',
      'unfenced',
      'by-big',
    ]);
  });

  it('a dedupId repeat answers the original ids even after a newer token published', async () => {
    const t = topic();
    const first = await store.publish(t, ['m'], { fenceToken: 1, dedupId: 'd' }, T0);
    await store.publish(t, ['n'], { fenceToken: 2 }, T0);
    expect(await store.publish(t, ['m'], { fenceToken: 1, dedupId: 'd' }, T0 + 1)).toEqual({
      ids: first.ids,
      duplicate: true,
    });
  });

  it('refuses tokens that are not positive safe integers', async () => {
    const t = topic();
    for (const fenceToken of [0, -3, 1.5, Number.MAX_SAFE_INTEGER + 1])
      await expect(store.publish(t, ['m'], { fenceToken }, T0)).rejects.toThrow(QueueInputError);
    expect(await store.stats(t)).toMatchObject({ ready: 0 });
  });
});
