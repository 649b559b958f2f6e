import type { Redis } from 'ioredis';
import { QueueInputError } from './queue-errors.js';
import { TOPICS_KEY, topicKeys } from './queue-keys.js';
import { TOPIC_PRUNE_IDLE_MS } from './queue-limits.js';
import { QueueStore } from './queue-store.js';
import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// The operator's view of the store (docs/queue.md, "Operator endpoints"):
// listing topics, browsing without consuming, redrive by id and purge.

const T0 = 1_700_000_000_000;

let server: RedisServerHandle;
let redis: Redis;
let store: QueueStore;
let topicSeq = 0;
const topic = (): string => `adm-${++topicSeq}-t`;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
  // Two deliveries to the dead letters keep the setup short.
  store = new QueueStore(redis, { maxDeliveries: 1 });
});
afterAll(async () => {
  await server.stop();
});

/** Publishes `bodies` and lets each die after its one delivery; returns their ids. */
async function deadLetters(t: string, bodies: unknown[], opts: { group?: string } = {}): Promise<string[]> {
  const { ids } = await store.publish(t, bodies, opts, T0);
  for (let i = 0; i < bodies.length; i++) {
    const [m] = await store.consume(t, 1, 100, T0);
    expect(await store.nack(t, m!.receipt, 0, T0)).toEqual({ stale: false, outcome: 'dead' });
  }
  return ids;
}

/** Every key of the topic with what it holds, to show that something changed nothing. */
async function snapshot(t: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`dss:q:{${t}}:*`)).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = await redis.dump(k);
  return out;
}

describe('browse', () => {
  it('shows ready messages in delivery order (higher priority first) and changes nothing', async () => {
    const t = topic();
    const low = await store.publish(t, ['low'], { priority: 1 }, T0);
    const plain = await store.publish(t, ['a', 'b'], { dedupId: 'd1' }, T0);
    const high = await store.publish(t, ['high'], { priority: 9 }, T0);
    const before = await snapshot(t);
    const seen = await store.browse(t, 'ready', 10);
    expect(await snapshot(t)).toEqual(before);
    expect(seen.map((m) => m.id)).toEqual([...high.ids, ...plain.ids, ...low.ids]);
    expect(seen[0]).toEqual({ id: high.ids[0], body: 'high', publishedAt: T0, deliveries: 0, priority: 9 });
    expect(seen[1]).toEqual({ id: plain.ids[0], body: 'a', publishedAt: T0, deliveries: 0, dedupId: 'd1' });
    // Browsing in delivery order means what consume takes next.
    expect((await store.consume(t, 4, 1000, T0)).map((m) => m.id)).toEqual(seen.map((m) => m.id));
  });

  it('stops at limit across priority levels', async () => {
    const t = topic();
    await store.publish(t, ['h1', 'h2'], { priority: 7 }, T0);
    await store.publish(t, ['d1', 'd2'], {}, T0);
    expect((await store.browse(t, 'ready', 3)).map((m) => m.body)).toEqual(['h1', 'h2', 'd1']);
  });

  it('shows delayed messages with deliverAt and in-flight ones with visibleAt, never a receipt', async () => {
    const t = topic();
    const later = await store.publish(t, ['later'], { delayMs: 5000 }, T0);
    const sooner = await store.publish(t, ['sooner'], { delayMs: 1000 }, T0);
    const out = await store.publish(t, ['out'], {}, T0);
    const [taken] = await store.consume(t, 1, 3000, T0 + 10);
    expect(taken!.id).toBe(out.ids[0]);
    const before = await snapshot(t);
    expect(await store.browse(t, 'delayed', 10)).toEqual([
      { id: sooner.ids[0], body: 'sooner', publishedAt: T0, deliveries: 0, deliverAt: T0 + 1000 },
      { id: later.ids[0], body: 'later', publishedAt: T0, deliveries: 0, deliverAt: T0 + 5000 },
    ]);
    expect(await store.browse(t, 'inflight', 10)).toEqual([
      { id: out.ids[0], body: 'out', publishedAt: T0, deliveries: 1, visibleAt: T0 + 3010 },
    ]);
    expect(await snapshot(t)).toEqual(before);
  });

  it('lists a group head as ready and not the messages waiting behind it', async () => {
    const t = topic();
    const { ids } = await store.publish(t, ['g1', 'g2'], { group: 'g' }, T0);
    expect(await store.browse(t, 'ready', 10)).toEqual([
      { id: ids[0], body: 'g1', publishedAt: T0, deliveries: 0, group: 'g' },
    ]);
  });
});

describe('redrive by id', () => {
  it('moves only the named dead letters, in one step, and reports the others as not found', async () => {
    const t = topic();
    const [a, b, c] = await deadLetters(t, ['a', 'b', 'c']);
    const result = await store.redriveIds(t, [c!, a!, 'nope', a!]);
    expect(result).toEqual({ redriven: 2, notFound: ['nope'] });
    expect((await store.dead(t)).map((m) => m.id)).toEqual([b]);
    const again = await store.consume(t, 10, 1000, T0);
    expect(again.map((m) => [m.id, m.deliveries])).toEqual([
      [c, 1],
      [a, 1],
    ]);
  });

  it('sends a grouped dead letter back through its group', async () => {
    const t = topic();
    const [head] = await deadLetters(t, ['g-dead'], { group: 'g' });
    const { ids: behind } = await store.publish(t, ['g-next'], { group: 'g' }, T0);
    const [out] = await store.consume(t, 1, 1000, T0); // the group's new head is out
    expect(out!.id).toBe(behind[0]);
    expect(await store.redriveIds(t, [head!])).toEqual({ redriven: 1, notFound: [] });
    expect(await store.stats(t)).toMatchObject({ ready: 0, inflight: 1, waiting: 1, dead: 0 });
    await store.ack(t, [out!.receipt], T0);
    expect((await store.consume(t, 1, 1000, T0)).map((m) => m.id)).toEqual([head]);
  });

  it('refuses an empty or oversized list before touching Redis', async () => {
    await expect(store.redriveIds(topic(), [])).rejects.toBeInstanceOf(QueueInputError);
  });
});

describe('purge', () => {
  it('deletes every dead letter with its envelope, deliveries and meta, and nothing else', async () => {
    const t = topic();
    await deadLetters(t, ['x', 'y'], { group: 'g' });
    await deadLetters(t, ['z']);
    const { ids: live } = await store.publish(t, ['live'], { priority: 8 }, T0);
    expect(await store.purgeDead(t)).toBe(3);
    expect(await store.stats(t)).toMatchObject({ ready: 1, dead: 0, groups: 0 });
    const k = topicKeys(t);
    expect(await redis.hkeys(k.messages)).toEqual(live);
    expect(await redis.hkeys(k.meta)).toEqual(live);
    expect(await redis.hlen(k.deliveries)).toBe(0);
    expect(await store.purgeDead(t)).toBe(0);
  });
});

describe('listing topics', () => {
  it('lists by name with counts, filtered by prefix and cut at limit', async () => {
    await store.publish('lst.b', ['1', '2'], {}, T0);
    await store.publish('lst.a', ['1'], { delayMs: 100 }, T0);
    await store.publish('lst.c', ['1'], {}, T0);
    await store.publish('other', ['1'], {}, T0);
    const all = await store.listTopics('lst.', 10, T0);
    expect(all.truncated).toBe(false);
    expect(all.topics.map((x) => x.topic)).toEqual(['lst.a', 'lst.b', 'lst.c']);
    expect(all.topics[1]!.stats).toEqual({ ready: 2, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
    expect(all.topics[0]!.stats.delayed).toBe(1);
    const cut = await store.listTopics('lst.', 2, T0);
    expect(cut).toEqual({ topics: all.topics.slice(0, 2), truncated: true });
  });

  it('keeps an empty topic listed while it was published to lately, then drops it until its next publish', async () => {
    const t = topic();
    const [m] = await store.publish(t, ['only'], {}, T0).then(() => store.consume(t, 1, 1000, T0));
    await store.ack(t, [m!.receipt], T0);
    expect((await store.listTopics(t, 10, T0 + 1)).topics.map((x) => x.topic)).toEqual([t]);
    expect(await store.listTopics(t, 10, T0 + TOPIC_PRUNE_IDLE_MS)).toEqual({ topics: [], truncated: false });
    expect(await redis.sismember(TOPICS_KEY, t)).toBe(0);
    // A store that registered the topic long enough ago registers it again with its next publish.
    await store.publish(t, ['again'], {}, T0 + TOPIC_PRUNE_IDLE_MS + 1);
    expect((await store.listTopics(t, 10, T0 + TOPIC_PRUNE_IDLE_MS + 2)).topics.map((x) => x.topic)).toEqual([t]);
  });

  it('keeps a topic whose only messages are dead letters', async () => {
    const t = topic();
    await deadLetters(t, ['d']);
    const later = T0 + 10 * TOPIC_PRUNE_IDLE_MS;
    expect((await store.listTopics(t, 10, later)).topics).toEqual([
      { topic: t, stats: expect.objectContaining({ dead: 1 }) },
    ]);
  });
});
