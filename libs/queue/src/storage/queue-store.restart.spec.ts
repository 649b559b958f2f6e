import { once } from 'node:events';
import { QueueStorageUnavailableError } from './queue-errors.js';
import { QueueStore } from './queue-store.js';
import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// SIGKILL redis-server (no shutdown, no RDB: --save '') and start it on the
// same dir: everything acknowledged before the kill must come back from the AOF.

const T0 = 1_700_000_000_000;
let server: RedisServerHandle;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

it('restores ready, in-flight, delayed, dead, receipts, dedup and acks from the AOF after SIGKILL', async () => {
  const store = new QueueStore(server.client(), { maxDeliveries: 1 });
  const t = 'durable';
  const { ids } = await store.publish(t, ['a', 'b', 'c', 'd', 'e', 'f'], { dedupId: 'once' }, T0);
  await store.publish(t, ['later'], { delayMs: 60_000 }, T0);
  const [a, b, c, d] = await store.consume(t, 4, 30_000, T0);
  expect(await store.ack(t, [a.receipt], T0 + 1)).toEqual({ acked: 1, stale: [] });
  await store.nack(t, d.receipt, 0, T0 + 1); // maxDeliveries 1 -> dead
  const before = await store.stats(t);
  expect(before).toEqual({ ready: 2, inflight: 2, delayed: 1, dead: 1, waiting: 0, groups: 0 });
  expect(await store.checkAppendOnly()).toMatchObject({ enabled: true });

  await server.crash();
  await server.restart();

  const fresh = new QueueStore(server.client(), { maxDeliveries: 1 });
  expect(await fresh.stats(t)).toEqual(before);
  expect(await fresh.topics()).toEqual([t]);
  expect(await fresh.nextDueAt(t)).toBe(T0 + 30_000);
  // The acked message is gone for good; the dedup window survived.
  expect(await fresh.ack(t, [a.receipt], T0 + 2)).toEqual({ acked: 0, stale: [a.receipt] });
  expect(await fresh.publish(t, ['dup'], { dedupId: 'once' }, T0 + 2)).toEqual({ ids, duplicate: true });
  // In-flight receipts are still live, and the ready ones come next in order.
  expect(await fresh.ack(t, [b.receipt], T0 + 2)).toEqual({ acked: 1, stale: [] });
  expect(await fresh.extend(t, c.receipt, 1000, T0 + 2)).toEqual({ stale: false, deadline: T0 + 1002 });
  const next = await fresh.consume(t, 10, 1000, T0 + 3);
  expect(next.map((m) => m.id)).toEqual([ids[4], ids[5]]);
  expect((await fresh.dead(t, 10)).map((m) => m.id)).toEqual([d.id]);
});

it('the original client reconnects by itself after a restart', async () => {
  const store = new QueueStore(server.client());
  await store.publish('reconnect', ['x'], {}, T0);
  await server.crash();
  await server.restart();
  expect(await store.stats('reconnect')).toMatchObject({ ready: 1 });
});

it('maps Redis being down to QueueStorageUnavailableError', async () => {
  const client = server.client({ enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  if (client.status !== 'ready') await once(client, 'ready');
  const store = new QueueStore(client);
  await store.stats('down');
  await server.crash();
  try {
    await expect(store.publish('down', ['x'], {}, T0)).rejects.toBeInstanceOf(QueueStorageUnavailableError);
    await expect(store.consume('down', 1, 1000, T0)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  } finally {
    await server.restart();
  }
});
