import { Counter, Gauge, Registry } from 'prom-client';
import { RedeliveryMonitor } from './redelivery-monitor.service.js';
import type { QueueStore } from './storage/queue-store.js';
import type { TopicOwnership } from './topic-ownership.service.js';
import type { TopicWakeups } from './topic-wakeups.service.js';

describe('RedeliveryMonitor metrics', () => {
  it('gives a topic new to its owner a dead-letter series at 0, then counts each new dead letter', async () => {
    const registry = new Registry();
    const dead = new Counter({ name: 'dead_total', help: 'h', labelNames: ['topic'], registers: [registry] });
    const depth = new Gauge({ name: 'depth', help: 'h', labelNames: ['topic', 'state'], registers: [registry] });
    const owned = new Gauge({ name: 'owned', help: 'h', registers: [registry] });
    const groups = new Gauge({ name: 'groups', help: 'h', labelNames: ['topic'], registers: [registry] });
    let deadNow = 2;
    const store = {
      topics: async () => ['t'],
      requeueExpired: async () => 0,
      promoteDue: async () => 0,
      stats: async () => ({ ready: 1, inflight: 0, delayed: 0, dead: deadNow, waiting: 4, groups: 2, fence: 7 }),
    } as unknown as QueueStore;
    const monitor = new RedeliveryMonitor(
      store,
      { owns: () => true } as unknown as TopicOwnership,
      { notify: () => undefined } as unknown as TopicWakeups,
      depth,
      dead,
      owned,
      groups,
    );
    const value = async () => (await dead.get()).values.find((v) => v.labels.topic === 't')?.value;

    await monitor.tick(10_000);
    expect(await value()).toBe(0); // the two already there are in the depth gauge, not counted as new
    deadNow = 5;
    await monitor.tick(10_500);
    expect(await value()).toBe(3);
    expect((await depth.get()).values.find((v) => v.labels.state === 'dead')?.value).toBe(5);
    expect((await depth.get()).values.find((v) => v.labels.state === 'waiting')?.value).toBe(4);
    expect((await depth.get()).values.some((v) => v.labels.state === 'fence')).toBe(false);
    expect((await groups.get()).values.find((v) => v.labels.topic === 't')?.value).toBe(2);
    expect(monitor.ownedTopics).toEqual(['t']);
  });
});
