import fc from 'fast-check';
import { QueueStore } from './queue-store.js';
import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';

// Many consumers on separate connections race for one topic. The scripts are
// the only guard, so no message may be handed out twice within one window.

const CONNECTIONS = 8;
let server: RedisServerHandle;
let stores: QueueStore[];
let topicSeq = 0;

beforeAll(async () => {
  server = await startRedisServer();
  stores = Array.from({ length: CONNECTIONS }, () => new QueueStore(server.client()));
});
afterAll(async () => {
  await server.stop();
});

/** One wave of parallel consume calls spread over the connections; every delivered id. */
async function race(topic: string, batches: number[], visibilityMs: number): Promise<string[]> {
  const results = await Promise.all(batches.map((max, i) => stores[i % CONNECTIONS].consume(topic, max, visibilityMs)));
  return results.flat().map((m) => m.id);
}

it('parallel consume calls never deliver a message twice within its window (race loop)', async () => {
  const topic = `race-${++topicSeq}`;
  const { ids } = await stores[0].publish(
    topic,
    Array.from({ length: 500 }, (_, i) => i),
  );
  const delivered: string[] = [];
  for (let wave = 0; wave < 20 && delivered.length < ids.length; wave++) {
    delivered.push(
      ...(await race(
        topic,
        Array.from({ length: 64 }, () => 3),
        60_000,
      )),
    );
  }
  expect(new Set(delivered).size).toBe(delivered.length);
  expect(delivered.sort()).toEqual([...ids].sort());
  expect(await stores[0].stats(topic)).toMatchObject({ ready: 0, inflight: 500 });
});

it('property: any mix of batch sizes and consumers delivers each message exactly once per window', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 32 }),
      async (count, batches) => {
        const topic = `prop-${++topicSeq}`;
        const { ids } = await stores[0].publish(
          topic,
          Array.from({ length: count }, (_, i) => i),
        );
        const delivered = await race(topic, batches, 60_000);
        const want = Math.min(
          count,
          batches.reduce((a, b) => a + b, 0),
        );
        expect(new Set(delivered).size).toBe(delivered.length);
        expect(delivered.length).toBe(want);
        // A single publisher's first deliveries are handed out from the head, so
        // together they are exactly the oldest `want` messages.
        expect(delivered.sort()).toEqual(ids.slice(0, want).sort());
      },
    ),
    { numRuns: 40 },
  );
});

it('acks racing with redelivery: every message is either acked or redelivered, never both, never lost', async () => {
  const topic = `ackrace-${++topicSeq}`;
  const store = stores[0];
  const { ids } = await store.publish(
    topic,
    Array.from({ length: 200 }, (_, i) => i),
    {},
    1_000,
  );
  // Everything is delivered with a 10 ms window; acks stamped inside the window
  // race with consumers at the deadline that take expired deliveries back.
  // Whichever script runs first wins; the loser sees a stale receipt / nothing.
  const first = await store.consume(topic, 200, 10, 1_000);
  const [acks, again] = await Promise.all([
    Promise.all(first.map((m, i) => stores[i % CONNECTIONS].ack(topic, [m.receipt], 1_009))),
    Promise.all(Array.from({ length: 16 }, (_, i) => stores[i % CONNECTIONS].consume(topic, 20, 1_000, 1_010))),
  ]);
  const acked = first.filter((_, i) => acks[i].acked === 1).map((m) => m.id);
  const redelivered = again.flat().map((m) => m.id);
  expect(new Set(redelivered).size).toBe(redelivered.length);
  expect(redelivered.filter((id) => acked.includes(id))).toEqual([]);
  expect([...acked, ...redelivered].sort()).toEqual([...ids].sort());
  expect(await store.stats(topic)).toEqual({
    ready: 0,
    inflight: redelivered.length,
    delayed: 0,
    dead: 0,
    waiting: 0,
    groups: 0,
  });
});
