import type { Redis } from 'ioredis';
import { QueueInputError, QueuePayloadTooLargeError } from './queue-errors.js';
import { DEFAULT_PRIORITY, MAX_BATCH, MAX_BODY_BYTES } from './queue-limits.js';
import { encodeEnvelope } from './queue-codec.js';
import { QueueStore } from './queue-store.js';
import { runQueueCommand, topicKeyList } from './queue-commands.js';
import { topicKeys } from './queue-keys.js';
import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// Logical clock: every call passes `now`, so windows are exact and no test sleeps.
const T0 = 1_700_000_000_000;

let server: RedisServerHandle;
let redis: Redis;
let store: QueueStore;
let topicSeq = 0;
const topic = (): string => `t${++topicSeq}`;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
  store = new QueueStore(redis);
});
afterAll(async () => {
  await server.stop();
});

describe('delivery', () => {
  it('delivers first deliveries in publish order', async () => {
    const t = topic();
    const a = await store.publish(t, ['a'], {}, T0);
    const bc = await store.publish(t, ['b', 'c'], {}, T0);
    const d = await store.publish(t, [{ d: 1 }], {}, T0 + 1);
    const got = await store.consume(t, 10, 1000, T0 + 2);
    expect(got.map((m) => m.id)).toEqual([...a.ids, ...bc.ids, ...d.ids]);
    expect(got.map((m) => m.body)).toEqual(['a', 'b', 'c', { d: 1 }]);
    expect(got.every((m) => m.deliveries === 1)).toBe(true);
    expect(got[0].publishedAt).toBe(T0);
    expect(new Set(got.map((m) => m.receipt)).size).toBe(4);
  });

  it('keeps bodies exact (large integers, empty objects and arrays, unicode)', async () => {
    const t = topic();
    const body = {
      big: Number.MAX_SAFE_INTEGER,
      frac: 0.1 + 0.2,
      empty: {},
      list: [],
      nested: [{}, []],
      s: 'héllo ✓ "q"',
      n: null,
    };
    await store.publish(t, [body], {}, T0);
    const [m] = await store.consume(t, 1, 1000, T0);
    expect(m.body).toEqual(body);
  });

  it('redelivers after the visibility window with deliveries incremented and a new receipt', async () => {
    const t = topic();
    const { ids } = await store.publish(t, ['x'], {}, T0);
    const [first] = await store.consume(t, 1, 1000, T0);
    expect(await store.consume(t, 1, 1000, T0 + 999)).toEqual([]);
    const [second] = await store.consume(t, 1, 1000, T0 + 1000);
    expect(second.id).toBe(ids[0]);
    expect(second.deliveries).toBe(2);
    expect(second.receipt).not.toBe(first.receipt);
  });

  it('puts a redelivery at the head of ready, before newer first deliveries', async () => {
    const t = topic();
    const { ids } = await store.publish(t, ['a', 'b', 'c'], {}, T0);
    await store.consume(t, 1, 100, T0);
    const next = await store.consume(t, 3, 100, T0 + 100);
    expect(next.map((m) => m.id)).toEqual(ids);
    expect(next.map((m) => m.deliveries)).toEqual([2, 1, 1]);
  });

  it('dead-letters after the delivery limit and redrives with deliveries reset', async () => {
    const t = topic();
    const { ids } = await store.publish(t, ['poison', 'fine'], {}, T0);
    let now = T0;
    for (let i = 1; i <= store.maxDeliveries; i++) {
      const [m] = await store.consume(t, 1, 10, now);
      expect(m).toMatchObject({ id: ids[0], deliveries: i });
      now += 10;
    }
    // The fifth window expired: requeue sends it to the dead letters, not to ready.
    expect(await store.requeueExpired(t, now)).toBe(1);
    expect(await store.stats(t)).toEqual({ ready: 1, inflight: 0, delayed: 0, dead: 1, waiting: 0, groups: 0 });
    const dead = await store.dead(t, 10);
    expect(dead).toEqual([{ id: ids[0], body: 'poison', publishedAt: T0, deliveries: 5 }]);
    const [fine] = await store.consume(t, 5, 10, now);
    expect(fine.id).toBe(ids[1]);

    expect(await store.redrive(t)).toBe(1);
    expect(await store.stats(t)).toMatchObject({ ready: 1, dead: 0 });
    const [again] = await store.consume(t, 1, 10, now);
    expect(again).toMatchObject({ id: ids[0], deliveries: 1 });
  });

  it('dead-letters at consume time when the limit was lowered', async () => {
    const t = topic();
    await store.publish(t, ['m'], {}, T0);
    const [m] = await store.consume(t, 1, 1000, T0);
    await store.nack(t, m.receipt, 0, T0);
    const strict = new QueueStore(redis, { maxDeliveries: 1 });
    expect(await strict.consume(t, 1, 1000, T0)).toEqual([]);
    expect(await strict.stats(t)).toMatchObject({ ready: 0, dead: 1 });
  });

  it('redrive honours max', async () => {
    const t = topic();
    const one = new QueueStore(redis, { maxDeliveries: 1 });
    await one.publish(t, ['a', 'b', 'c'], {}, T0);
    const got = await one.consume(t, 3, 10, T0);
    for (const m of got) expect(await one.nack(t, m.receipt, 0, T0)).toEqual({ stale: false, outcome: 'dead' });
    expect(await one.redrive(t, 2)).toBe(2);
    expect(await one.stats(t)).toMatchObject({ ready: 2, dead: 1 });
    expect((await one.dead(t, 10)).map((m) => m.body)).toEqual(['c']);
  });
});

describe('receipts', () => {
  it('acks delete the message; a double ack is stale', async () => {
    const t = topic();
    await store.publish(t, ['a', 'b'], {}, T0);
    const [a, b] = await store.consume(t, 2, 1000, T0);
    expect(await store.ack(t, [a.receipt], T0 + 1)).toEqual({ acked: 1, stale: [] });
    expect(await store.ack(t, [a.receipt, b.receipt], T0 + 2)).toEqual({ acked: 1, stale: [a.receipt] });
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
    expect(await redis.hlen(`dss:q:{${t}}:msg`)).toBe(0);
    expect(await redis.hlen(`dss:q:{${t}}:deliveries`)).toBe(0);
    expect(await redis.hlen(`dss:q:{${t}}:receipts`)).toBe(0);
  });

  it('ack, nack and extend after the window are stale and change nothing', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    const [m] = await store.consume(t, 1, 1000, T0);
    // Stale from the deadline on, even before the monitor requeued it.
    expect(await store.ack(t, [m.receipt], T0 + 1000)).toEqual({ acked: 0, stale: [m.receipt] });
    expect(await store.nack(t, m.receipt, 0, T0 + 1000)).toEqual({ stale: true });
    expect(await store.extend(t, m.receipt, 5000, T0 + 1000)).toEqual({ stale: true });
    expect(await store.stats(t)).toMatchObject({ inflight: 1 });
    // After redelivery the old receipt stays stale and the new one works.
    const [again] = await store.consume(t, 1, 1000, T0 + 1001);
    expect(await store.ack(t, [m.receipt], T0 + 1002)).toEqual({ acked: 0, stale: [m.receipt] });
    expect(await store.ack(t, [again.receipt], T0 + 1002)).toEqual({ acked: 1, stale: [] });
  });

  it('unknown receipts are stale', async () => {
    const t = topic();
    expect(await store.ack(t, ['nope'], T0)).toEqual({ acked: 0, stale: ['nope'] });
    expect(await store.nack(t, 'nope', 0, T0)).toEqual({ stale: true });
    expect(await store.extend(t, 'nope', 10, T0)).toEqual({ stale: true });
  });

  it('extend keeps the message invisible past its first deadline', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    const [m] = await store.consume(t, 1, 1000, T0);
    expect(await store.extend(t, m.receipt, 1000, T0 + 900)).toEqual({ stale: false, deadline: T0 + 1900 });
    expect(await store.consume(t, 1, 1000, T0 + 1500)).toEqual([]);
    expect(await store.requeueExpired(t, T0 + 1899)).toBe(0);
    expect(await store.ack(t, [m.receipt], T0 + 1800)).toEqual({ acked: 1, stale: [] });
  });

  it('nack returns the message to the head of ready at once', async () => {
    const t = topic();
    const { ids } = await store.publish(t, ['a', 'b'], {}, T0);
    const [a] = await store.consume(t, 1, 1000, T0);
    expect(await store.nack(t, a.receipt, 0, T0 + 1)).toEqual({ stale: false, outcome: 'ready' });
    expect(await store.nack(t, a.receipt, 0, T0 + 1)).toEqual({ stale: true });
    const got = await store.consume(t, 2, 1000, T0 + 2);
    expect(got.map((m) => [m.id, m.deliveries])).toEqual([
      [ids[0], 2],
      [ids[1], 1],
    ]);
  });

  it('nack with a delay hides the message until then', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    const [m] = await store.consume(t, 1, 1000, T0);
    expect(await store.nack(t, m.receipt, 500, T0 + 10)).toEqual({ stale: false, outcome: 'delayed' });
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 0, delayed: 1, dead: 0, waiting: 0, groups: 0 });
    expect(await store.nextDueAt(t)).toBe(T0 + 510);
    expect(await store.consume(t, 1, 1000, T0 + 509)).toEqual([]);
    const [again] = await store.consume(t, 1, 1000, T0 + 510);
    expect(again).toMatchObject({ id: m.id, deliveries: 2 });
  });
});

describe('delays and maintenance', () => {
  it('a delayed publish waits for its due time, then keeps batch order', async () => {
    const t = topic();
    const { ids } = await store.publish(t, ['a', 'b', 'c'], { delayMs: 500 }, T0);
    expect(await store.stats(t)).toMatchObject({ ready: 0, delayed: 3 });
    expect(await store.consume(t, 10, 1000, T0 + 499)).toEqual([]);
    const got = await store.consume(t, 10, 1000, T0 + 500);
    expect(got.map((m) => m.id)).toEqual(ids);
  });

  it('promoteDue, requeueExpired and nextDueAt', async () => {
    const t = topic();
    expect(await store.nextDueAt(t)).toBeNull();
    await store.publish(t, ['now'], {}, T0);
    await store.publish(t, ['later'], { delayMs: 3000 }, T0);
    expect(await store.nextDueAt(t)).toBe(T0 + 3000);
    await store.consume(t, 1, 1000, T0);
    expect(await store.nextDueAt(t)).toBe(T0 + 1000);
    expect(await store.requeueExpired(t, T0 + 999)).toBe(0);
    expect(await store.requeueExpired(t, T0 + 1000)).toBe(1);
    expect(await store.promoteDue(t, T0 + 2999)).toBe(0);
    expect(await store.promoteDue(t, T0 + 3000)).toBe(1);
    expect(await store.stats(t)).toEqual({ ready: 2, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
    expect(await store.nextDueAt(t)).toBeNull();
  });

  it('requeueExpired drains more than one script batch', async () => {
    const t = topic();
    await store.publish(
      t,
      Array.from({ length: MAX_BATCH }, (_, i) => i),
      {},
      T0,
    );
    await store.publish(
      t,
      Array.from({ length: 500 }, (_, i) => i),
      {},
      T0,
    );
    await store.consume(t, MAX_BATCH, 10, T0);
    await store.consume(t, 500, 10, T0);
    expect(await store.requeueExpired(t, T0 + 10)).toBe(1500);
    expect(await store.stats(t)).toMatchObject({ ready: 1500, inflight: 0 });
  });
});

describe('dedup', () => {
  it('a repeat within the window returns the original ids and publishes nothing; after it, publishes again', async () => {
    const t = topic();
    const first = await store.publish(t, ['a', 'b'], { dedupId: 'k1' }, T0);
    expect(first.duplicate).toBe(false);
    const again = await store.publish(t, ['other'], { dedupId: 'k1' }, T0 + store.dedupWindowMs - 1);
    expect(again).toEqual({ ids: first.ids, duplicate: true });
    expect(await store.stats(t)).toMatchObject({ ready: 2 });
    // Another dedupId or another topic is independent.
    expect((await store.publish(t, ['c'], { dedupId: 'k2' }, T0)).duplicate).toBe(false);
    expect((await store.publish(topic(), ['c'], { dedupId: 'k1' }, T0)).duplicate).toBe(false);
    // Acking does not end the window.
    const got = await store.consume(t, 10, 1000, T0 + 1);
    await store.ack(
      t,
      got.map((m) => m.receipt),
      T0 + 2,
    );
    expect((await store.publish(t, ['x'], { dedupId: 'k1' }, T0 + 3)).duplicate).toBe(true);
    const later = await store.publish(t, ['new'], { dedupId: 'k1' }, T0 + store.dedupWindowMs);
    expect(later.duplicate).toBe(false);
    expect(later.ids).not.toEqual(first.ids);
    const [m] = await store.consume(t, 10, 1000, T0 + store.dedupWindowMs);
    expect(m.body).toBe('new');
  });

  it('the dedup key expires in Redis too (PX)', async () => {
    const t = topic();
    await store.publish(t, ['a'], { dedupId: 'k' }, Date.now());
    const ttl = await redis.pttl(`dss:q:{${t}}:dedup:k`);
    expect(ttl).toBeGreaterThan(store.dedupWindowMs - 5000);
    expect(ttl).toBeLessThanOrEqual(store.dedupWindowMs);
  });
});

describe('batches and input', () => {
  it('publishes, consumes and acks a batch of 1000 in order', async () => {
    const t = topic();
    const bodies = Array.from({ length: MAX_BATCH }, (_, i) => ({ i }));
    const { ids } = await store.publish(t, bodies, {}, T0);
    expect(ids).toHaveLength(MAX_BATCH);
    const got = await store.consume(t, MAX_BATCH, 1000, T0);
    expect(got.map((m) => m.body)).toEqual(bodies);
    expect(
      await store.ack(
        t,
        got.map((m) => m.receipt),
        T0 + 1,
      ),
    ).toEqual({ acked: MAX_BATCH, stale: [] });
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
  });

  it('refuses empty and oversize batches, oversize bodies and non-JSON bodies, writing nothing', async () => {
    const t = topic();
    await expect(store.publish(t, [], {}, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.publish(t, new Array<number>(MAX_BATCH + 1).fill(1), {}, T0)).rejects.toBeInstanceOf(
      QueueInputError,
    );
    await expect(store.publish(t, ['ok', 'x'.repeat(MAX_BODY_BYTES)], {}, T0)).rejects.toBeInstanceOf(
      QueuePayloadTooLargeError,
    );
    await expect(store.publish(t, [undefined], {}, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.publish(t, [10n], {}, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.publish('bad{tag}', ['a'], {}, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.publish(t, ['a'], { delayMs: -1 }, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.ack(t, [], T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.consume(t, 0, 1000, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.consume(t, MAX_BATCH + 1, 1000, T0)).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.consume(t, 1, 1.5, T0)).rejects.toBeInstanceOf(QueueInputError);
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
  });

  it('accepts a body of exactly the limit', async () => {
    const t = topic();
    const body = 'x'.repeat(MAX_BODY_BYTES - 2); // JSON adds the two quotes
    await store.publish(t, [body], {}, T0);
    const [m] = await store.consume(t, 1, 1000, T0);
    expect(m.body).toBe(body);
  });
});

describe('stats, topics and durability', () => {
  it('stats counts each state and topics lists every published topic', async () => {
    const t = `stats.${topic()}`;
    const one = new QueueStore(redis, { maxDeliveries: 1 });
    await one.publish(t, ['r1', 'r2', 'f1', 'd1'], {}, T0);
    await one.publish(t, ['later'], { delayMs: 10_000 }, T0);
    const [f1, f2, d1] = await one.consume(t, 3, 1000, T0);
    await one.ack(t, [f1.receipt], T0);
    await one.nack(t, d1.receipt, 0, T0);
    expect(f2).toBeDefined();
    expect(await one.stats(t)).toEqual({ ready: 1, inflight: 1, delayed: 1, dead: 1, waiting: 0, groups: 0 });
    expect(await one.stats('never-used')).toEqual({
      ready: 0,
      inflight: 0,
      delayed: 0,
      dead: 0,
      waiting: 0,
      groups: 0,
    });
    const topics = await store.topics();
    expect(topics).toContain(t);
    expect(topics).toEqual([...topics].sort());
    expect(topics).not.toContain('never-used');
  });

  it('reports the append-only file and WAIT results', async () => {
    expect(await store.checkAppendOnly()).toEqual({ enabled: true, appendfsync: 'everysec' });
    expect(await store.waitDurable(0, 100)).toEqual({ requested: 0, acknowledged: 0, durable: true });
    // No replica here: WAIT times out with 0 acknowledgements.
    expect(await store.waitDurable(1, 50)).toEqual({ requested: 1, acknowledged: 0, durable: false });
  });
});

describe('publish with replicas to wait for (WAIT in the same round trip)', () => {
  it('reports the acknowledgements, or none asked', async () => {
    const t = topic();
    expect(await store.publish(t, ['a'], {}, T0)).not.toHaveProperty('durability');
    // No replica here: WAIT times out with 0 acknowledgements, the message is stored all the same.
    const r = await store.publish(t, ['b'], { replicas: 1, replicaTimeoutMs: 20 }, T0);
    expect(r.durability).toEqual({ requested: 1, acknowledged: 0, durable: false });
    expect((await store.consume(t, 10, 1000, T0)).map((m) => m.body)).toEqual(['a', 'b']);
  });

  it('runs the script by EVAL when the server lost it (SCRIPT FLUSH, a new primary), and still waits', async () => {
    const t = topic();
    await redis.script('FLUSH');
    const r = await store.publish(t, ['a'], { replicas: 1, replicaTimeoutMs: 20 }, T0);
    expect(r.durability).toEqual({ requested: 1, acknowledged: 0, durable: false });
    expect((await store.consume(t, 10, 1000, T0)).map((m) => m.body)).toEqual(['a']);
  });
});

describe('a consume run twice (a command resent after its reply was lost)', () => {
  it('answers the first batch again and takes nothing more under the same receipts', async () => {
    // The chaos suite: a consume resent to a new primary that had the first run's effects took
    // the next batch under the same receipts, and the first batch was never delivered.
    const t = topic();
    await store.publish(t, ['a', 'b', 'c', 'd'], {}, T0);
    const keys = topicKeyList(topicKeys(t));
    const args = [T0 + 1, 2, 1000, 5, 'same-nonce', 1000];
    const first = await runQueueCommand(redis, 'dssqConsume', keys, args);
    expect(await runQueueCommand(redis, 'dssqConsume', keys, args)).toEqual(first);
    expect((await store.consume(t, 10, 1000, T0 + 2)).map((m) => m.body)).toEqual(['c', 'd']);
    // The first batch is in flight under its receipts: it comes back once its window ran out.
    expect((await store.consume(t, 10, 1000, T0 + 2000)).map((m) => m.body).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('ack-and-fetch (consume with receipts to ack first)', () => {
  it('acks the receipts, then delivers new messages, in one script', async () => {
    const t = topic();
    await store.publish(t, ['a', 'b', 'c'], {}, T0);
    const [a] = await store.consume(t, 1, 1000, T0);
    const next = await store.ackAndConsume(t, [a.receipt], 5, 1000, T0 + 1);
    expect({ acked: next.acked, stale: next.stale }).toEqual({ acked: 1, stale: [] });
    expect(next.messages.map((m) => m.body)).toEqual(['b', 'c']);
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 2, delayed: 0, dead: 0, waiting: 0, groups: 0 });
    expect(await redis.hlen(`dss:q:{${t}}:msg`)).toBe(2);
  });

  it('acks before it takes back expired deliveries: a receipt live at that instant is acked, not redelivered', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    const [a] = await store.consume(t, 1, 1000, T0);
    const next = await store.ackAndConsume(t, [a.receipt], 5, 1000, T0 + 999);
    expect(next).toEqual({ acked: 1, stale: [], messages: [] });
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
  });

  it('lists stale receipts (unknown, or past their window) and still delivers', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    const [a] = await store.consume(t, 1, 1000, T0);
    const next = await store.ackAndConsume(t, ['unknown.1', a.receipt], 5, 1000, T0 + 1000);
    expect({ acked: next.acked, stale: next.stale }).toEqual({ acked: 0, stale: ['unknown.1', a.receipt] });
    // a's window ran out, so the same call took it back and delivered it again.
    expect(next.messages.map((m) => [m.body, m.deliveries])).toEqual([['a', 2]]);
  });

  it('refuses more receipts than one batch, changing nothing', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    const [a] = await store.consume(t, 1, 1000, T0);
    const receipts = [a.receipt, ...Array.from({ length: MAX_BATCH }, (_, i) => `r.${i}`)];
    await expect(store.ackAndConsume(t, receipts, 1, 1000, T0 + 1)).rejects.toBeInstanceOf(QueueInputError);
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 1, delayed: 0, dead: 0, waiting: 0, groups: 0 });
  });

  it('run twice under one nonce: acks nothing more and answers the same batch', async () => {
    const t = topic();
    await store.publish(t, ['a', 'b', 'c'], {}, T0);
    const [a] = await store.consume(t, 1, 1000, T0);
    const keys = topicKeyList(topicKeys(t));
    const args = [T0 + 1, 1, 1000, 5, 'ack-nonce', 1000, a.receipt];
    const [acked, stale, batch] = (await runQueueCommand(redis, 'dssqConsume', keys, args)) as [
      number,
      string[],
      unknown[],
    ];
    expect([acked, stale]).toEqual([1, []]);
    expect(await runQueueCommand(redis, 'dssqConsume', keys, args)).toEqual([0, [], batch, 0]);
    expect(await store.stats(t)).toEqual({ ready: 1, inflight: 1, delayed: 0, dead: 0, waiting: 0, groups: 0 });
  });
});

describe('publish-take (the handoff to a waiting consumer)', () => {
  const take = { max: 2, visibilityMs: 1000 };

  it('publishes, then takes oldest ready first, in flight under receipts that ack', async () => {
    const t = topic();
    await store.publish(t, ['old'], {}, T0);
    const result = await store.publish(t, ['new1', 'new2'], { take }, T0 + 1);
    expect(result.duplicate).toBe(false);
    // FIFO: the backlog's head goes first, and the take stops at max.
    expect(result.taken?.map((m) => [m.body, m.deliveries])).toEqual([
      ['old', 1],
      ['new1', 1],
    ]);
    expect(await store.stats(t)).toMatchObject({ ready: 1, inflight: 2 });
    expect(
      await store.ack(
        t,
        result.taken!.map((m) => m.receipt),
        T0 + 2,
      ),
    ).toEqual({ acked: 2, stale: [] });
    expect((await store.consume(t, 10, 1000, T0 + 3)).map((m) => m.body)).toEqual(['new2']);
  });

  it('takes back an expired delivery first, as a consume does', async () => {
    const t = topic();
    await store.publish(t, ['a'], {}, T0);
    await store.consume(t, 1, 1000, T0);
    const result = await store.publish(t, ['b'], { take }, T0 + 1000);
    expect(result.taken?.map((m) => [m.body, m.deliveries])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('takes nothing for a duplicate, and a delayed message only once due', async () => {
    const t = topic();
    await store.publish(t, ['x'], { dedupId: 'once' }, T0);
    const again = await store.publish(t, ['x'], { dedupId: 'once', take }, T0 + 1);
    expect([again.duplicate, again.taken]).toEqual([true, undefined]);
    const delayed = await store.publish(t, ['later'], { delayMs: 500, take: { max: 5, visibilityMs: 1000 } }, T0 + 2);
    expect(delayed.taken?.map((m) => m.body)).toEqual(['x']);
    expect(await store.stats(t)).toMatchObject({ ready: 0, inflight: 1, delayed: 1 });
  });

  it('run twice under one nonce (resent after a lost reply): publishes once and answers the same take', async () => {
    const t = topic();
    const keys = [...topicKeyList(topicKeys(t)), `dss:q:{${t}}:dedup:`];
    const envelope = encodeEnvelope('id-1', '"m"', T0);
    const args = [T0, 0, 0, '', '', DEFAULT_PRIORITY, 1, 1000, 5, 'take-nonce', 1000, 'id-1', envelope];
    const first = (await runQueueCommand(redis, 'dssqPublishTake', keys, args)) as unknown[];
    expect(first[2]).toHaveLength(4); // one message: id, receipt, envelope, deliveries
    expect(await runQueueCommand(redis, 'dssqPublishTake', keys, args)).toEqual([0, 0, first[2], 0]);
    expect(await store.stats(t)).toMatchObject({ ready: 0, inflight: 1 });
  });

  it('refuses a take outside the consume limits, writing nothing', async () => {
    const t = topic();
    await expect(
      store.publish(t, ['a'], { take: { max: MAX_BATCH + 1, visibilityMs: 1000 } }, T0),
    ).rejects.toBeInstanceOf(QueueInputError);
    await expect(store.publish(t, ['a'], { take: { max: 1, visibilityMs: 0 } }, T0)).rejects.toBeInstanceOf(
      QueueInputError,
    );
    expect(await store.stats(t)).toMatchObject({ ready: 0, inflight: 0 });
  });
});
