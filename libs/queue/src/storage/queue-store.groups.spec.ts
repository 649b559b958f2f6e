import type { Redis } from 'ioredis';
import { QueueInputError } from './queue-errors.js';
import { QueueStore } from './queue-store.js';
import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// Message groups (docs/queue.md): publish order within a group, at most one
// message of a group out at a time, groups taking turns, and a dead head that
// lets its group move on. Logical clock: every call passes `now`.
const T0 = 1_700_000_000_000;
const VIS = 1000;

let server: RedisServerHandle;
let redis: Redis;
let store: QueueStore;
const readyEvents: [string, number][] = [];
let topicSeq = 0;
const topic = (): string => `g${++topicSeq}`;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
  store = new QueueStore(redis, { onReady: (t, n) => readyEvents.push([t, n]) });
});
afterAll(async () => {
  await server.stop();
});

const bodies = async (s: QueueStore, t: string, max: number, now: number) =>
  (await s.consume(t, max, VIS, now)).map((m) => m.body);

describe('message groups', () => {
  it('delivers one message of a group at a time, in publish order, the next only after an ack', async () => {
    const t = topic();
    await store.publish(t, ['a1', 'a2'], { group: 'a' }, T0);
    await store.publish(t, ['a3'], { group: 'a' }, T0);
    const [first, ...more] = await store.consume(t, 10, VIS, T0);
    expect(first).toMatchObject({ body: 'a1', group: 'a', deliveries: 1 });
    expect(more).toEqual([]);
    expect(await store.consume(t, 10, VIS, T0 + 1)).toEqual([]);
    expect(await store.stats(t)).toMatchObject({ ready: 0, inflight: 1, waiting: 2, groups: 1 });
    await store.ack(t, [first.receipt], T0 + 2);
    expect(await bodies(store, t, 10, T0 + 3)).toEqual(['a2']);
  });

  it('groups take turns: each group with a ready head gets one delivery per round', async () => {
    const t = topic();
    await store.publish(t, ['a1', 'a2', 'a3'], { group: 'a' }, T0);
    await store.publish(t, ['b1', 'b2', 'b3'], { group: 'b' }, T0);
    await store.publish(t, ['c1'], { group: 'c' }, T0);
    const order: unknown[] = [];
    let now = T0;
    for (;;) {
      const [m] = await store.consume(t, 1, VIS, ++now);
      if (!m) break;
      order.push(m.body);
      await store.ack(t, [m.receipt], now);
    }
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'b3']);
    expect(await store.stats(t)).toMatchObject({ ready: 0, inflight: 0, waiting: 0, groups: 0 });
  });

  it('ungrouped messages keep their place beside the group heads', async () => {
    const t = topic();
    await store.publish(t, ['x1'], {}, T0);
    await store.publish(t, ['a1', 'a2'], { group: 'a' }, T0);
    await store.publish(t, ['x2', 'x3'], {}, T0);
    const got = await store.consume(t, 10, VIS, T0);
    expect(got.map((m) => m.body)).toEqual(['x1', 'a1', 'x2', 'x3']);
    expect(got[0].group).toBeUndefined();
  });

  it('a head redelivered after its visibility ran out comes again before the rest of its group', async () => {
    const t = topic();
    await store.publish(t, ['a1', 'a2'], { group: 'a' }, T0);
    await store.consume(t, 10, VIS, T0);
    expect(await store.consume(t, 10, VIS, T0 + VIS - 1)).toEqual([]);
    const again = await store.consume(t, 10, VIS, T0 + VIS);
    expect(again.map((m) => [m.body, m.deliveries])).toEqual([['a1', 2]]);
  });

  it('a nacked head stays the head (at once or after its delay)', async () => {
    const t = topic();
    await store.publish(t, ['a1', 'a2'], { group: 'a' }, T0);
    const [m] = await store.consume(t, 1, VIS, T0);
    expect(await store.nack(t, m.receipt, 0, T0)).toEqual({ stale: false, outcome: 'ready' });
    const [m2] = await store.consume(t, 10, VIS, T0);
    expect(m2.body).toBe('a1');
    expect(await store.nack(t, m2.receipt, 500, T0)).toEqual({ stale: false, outcome: 'delayed' });
    expect(await store.consume(t, 10, VIS, T0 + 499)).toEqual([]);
    expect(await bodies(store, t, 10, T0 + 500)).toEqual(['a1']);
  });

  it('a dead-lettered head lets its group move on, on expiry, nack or at consume time', async () => {
    const t = topic();
    const strict = new QueueStore(redis, { maxDeliveries: 1, onReady: (tt, n) => readyEvents.push([tt, n]) });
    await strict.publish(t, ['a1', 'a2', 'a3', 'a4'], { group: 'a' }, T0);
    await strict.consume(t, 1, VIS, T0);
    expect(await strict.requeueExpired(t, T0 + VIS)).toBe(1); // a1 dead on expiry
    const [a2] = await strict.consume(t, 10, VIS, T0 + VIS);
    expect(a2.body).toBe('a2');
    expect(await strict.nack(t, a2.receipt, 0, T0 + VIS)).toEqual({ stale: false, outcome: 'dead' });
    const [a3] = await strict.consume(t, 10, VIS, T0 + VIS);
    expect(a3.body).toBe('a3');
    // a3 comes back with its deliveries used up (a lowered limit): dead at consume time, a4 next.
    await store.nack(t, a3.receipt, 0, T0 + VIS);
    expect(await bodies(strict, t, 10, T0 + VIS)).toEqual(['a4']);
    expect((await strict.dead(t, 10)).map((m) => [m.body, m.group])).toEqual([
      ['a1', 'a'],
      ['a2', 'a'],
      ['a3', 'a'],
    ]);
    expect(readyEvents).toContainEqual([t, 1]);
  });

  it('redriven dead letters go back through their group, never beside its head', async () => {
    const t = topic();
    const strict = new QueueStore(redis, { maxDeliveries: 1 });
    await strict.publish(t, ['a1', 'a2', 'a3'], { group: 'a' }, T0);
    const [a1] = await strict.consume(t, 1, VIS, T0);
    await strict.nack(t, a1.receipt, 0, T0); // dead; a2 is the head now
    const [a2] = await strict.consume(t, 10, VIS, T0);
    expect(a2.body).toBe('a2');
    expect(await strict.redrive(t)).toBe(1);
    expect(await strict.stats(t)).toMatchObject({ ready: 0, inflight: 1, waiting: 2, dead: 0 });
    expect(await strict.consume(t, 10, VIS, T0)).toEqual([]);
    await strict.ack(t, [a2.receipt], T0);
    const rest: unknown[] = [];
    for (let now = T0 + 1; ; now++) {
      const [m] = await strict.consume(t, 10, VIS, now);
      if (!m) break;
      rest.push(m.body);
      await strict.ack(t, [m.receipt], now);
    }
    expect(rest).toEqual(['a3', 'a1']);
  });

  it('a redriven letter of an idle group becomes its head at once', async () => {
    const t = topic();
    const strict = new QueueStore(redis, { maxDeliveries: 1 });
    await strict.publish(t, ['a1'], { group: 'a' }, T0);
    const [a1] = await strict.consume(t, 1, VIS, T0);
    await strict.nack(t, a1.receipt, 0, T0);
    expect(await strict.stats(t)).toMatchObject({ groups: 0, dead: 1 });
    await strict.redrive(t);
    expect(await strict.stats(t)).toMatchObject({ ready: 1, groups: 1, waiting: 0 });
  });

  it('ack-and-fetch releases the next message of the group within the same call', async () => {
    const t = topic();
    await store.publish(t, ['a1', 'a2'], { group: 'a' }, T0);
    const [a1] = await store.consume(t, 1, VIS, T0);
    const next = await store.ackAndConsume(t, [a1.receipt], 10, VIS, T0 + 1);
    expect(next).toMatchObject({ acked: 1, stale: [] });
    expect(next.messages.map((m) => m.body)).toEqual(['a2']);
  });

  it('tells onReady what a grouped publish and an ack made ready', async () => {
    const t = topic();
    readyEvents.length = 0;
    await store.publish(t, ['a1', 'a2'], { group: 'a' }, T0);
    await store.publish(t, ['a3'], { group: 'a' }, T0);
    expect(readyEvents).toEqual([[t, 1]]);
    const [a1] = await store.consume(t, 1, VIS, T0);
    await store.ack(t, [a1.receipt], T0);
    expect(readyEvents).toEqual([
      [t, 1],
      [t, 1],
    ]);
  });

  it('refuses a bad group, and a group with delayMs, writing nothing', async () => {
    const t = topic();
    for (const group of ['', 'has space', 'brace{', 'x'.repeat(129)])
      await expect(store.publish(t, ['m'], { group }, T0)).rejects.toThrow(QueueInputError);
    await expect(store.publish(t, ['m'], { group: 'a', delayMs: 10 }, T0)).rejects.toThrow(/delayMs/);
    expect(await store.stats(t)).toEqual({ ready: 0, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 });
    await store.publish(t, ['m'], { group: 'x'.repeat(128) }, T0);
  });
});
