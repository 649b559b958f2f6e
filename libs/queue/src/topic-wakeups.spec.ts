import type { Redis } from 'ioredis';
import type { NodeConfig } from '@dss/config';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { TopicSignals } from './topic-signals.js';
import { TopicWakeups } from './topic-wakeups.service.js';

// Two nodes' wake-ups on one real Redis: node2 has a long-polling consumer,
// node1 has the publishes.

let server: RedisServerHandle;
const clients: Redis[] = [];
const client = () => {
  const c = server.client();
  clients.push(c);
  return c;
};

function node(id: string): { wakeups: TopicWakeups; signals: TopicSignals } {
  const signals = new TopicSignals();
  const config = { self: { id } } as unknown as NodeConfig; // only the node id is read
  const wakeups = new TopicWakeups(config, client(), client(), signals);
  wakeups.onApplicationBootstrap();
  return { wakeups, signals };
}

const publishCalls = async (redis: Redis) =>
  Number(/cmdstat_publish:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  clients.forEach((c) => c.disconnect());
  await server?.stop();
});

describe('TopicWakeups', () => {
  it("announces a turn's publishes to the other nodes in one PUBLISH per topic, waking their consumers", async () => {
    const node1 = node('node1');
    const node2 = node('node2');
    await node2.wakeups.watch('t');
    const woken = [node2.wakeups.wait('t', 5000), node2.wakeups.wait('t', 5000), node2.wakeups.wait('t', 5000)];
    const stats = client();
    const before = await publishCalls(stats);

    // Three publishes in one turn, none with a consumer waiting on node1.
    node1.wakeups.notify('t', 1);
    node1.wakeups.notify('t', 1);
    node1.wakeups.notify('t', 1);

    expect((await Promise.all(woken)).map((e) => e.kind)).toEqual(['signal', 'signal', 'signal']); // told "3": all three wake
    expect((await publishCalls(stats)) - before).toBe(1);
    await node1.wakeups.onApplicationShutdown();
    await node2.wakeups.onApplicationShutdown();
  });

  it("wakes the node's own consumers at once and announces only the rest", async () => {
    const node1 = node('node1');
    const local = node1.wakeups.wait('u', 5000);
    const stats = client();
    const before = await publishCalls(stats);
    node1.wakeups.notify('u', 1);
    expect((await local).kind).toBe('signal');
    await new Promise((r) => setImmediate(r));
    expect((await publishCalls(stats)) - before).toBe(0);
    await node1.wakeups.onApplicationShutdown();
  });
});
