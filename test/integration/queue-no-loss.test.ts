import { execFileSync } from 'node:child_process';
import { eventually, getJson, postJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// No acknowledged message is lost: producers publish thousands of messages
// over many topics while a queue daemon is SIGKILLed (PM2 restarts it) and
// redis-server is SIGKILLed (PM2 restarts it from its append-only file).
// Consumers ack everything; every message that got a 201 must be delivered
// at least once. Duplicates are allowed (at-least-once) and reported.

const TOPICS = Array.from({ length: 10 }, (_, i) => `loss-${i}`);
const NODES = ['node1', 'node2', 'node3'];
const PRODUCE_MS = 20_000;

describe('queue: no acknowledged message lost under daemon and Redis crashes', () => {
  jest.setTimeout(180_000);
  const cluster = new TestCluster(testPortOffset() + 20);
  const url = (node: string) => cluster.url('queue', node);
  const redisPort = () => (cluster.cluster.redis?.mode === 'standalone' ? cluster.cluster.redis.port : 0);

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(() => cluster.dispose());

  it('delivers every published message at least once', async () => {
    const published = new Set<string>();
    const delivered = new Map<string, number>();
    let publishFailures = 0;
    let producing = true;
    const faults: string[] = [];

    const producer = async (p: number) => {
      for (let seq = 0; producing; seq++) {
        const topic = TOPICS[(p * 7 + seq) % TOPICS.length]!;
        const keys = Array.from({ length: 10 }, (_, i) => `${p}:${seq}:${i}`);
        const res = await postJson(`${url(NODES[seq % 3]!)}/queue/publish`, { topic, messages: keys }, 5000).catch(
          () => undefined,
        );
        if (res?.status === 201) keys.forEach((k) => published.add(k));
        else {
          publishFailures++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const consumer = async (c: number, until: () => boolean) => {
      for (let i = 0; !until(); i++) {
        const topic = TOPICS[(c + i) % TOPICS.length]!;
        const res = await postJson<{ messages: { body: string; receipt: string }[] }>(
          `${url(NODES[(c + i) % 3]!)}/queue/consume`,
          { topic, max: 100, visibilityMs: 3000, waitMs: 200 },
          10_000,
        ).catch(() => undefined);
        if (res?.status !== 200 || res.body.messages.length === 0) continue;
        for (const m of res.body.messages) delivered.set(m.body, (delivered.get(m.body) ?? 0) + 1);
        await postJson(
          `${url(NODES[i % 3]!)}/queue/ack`,
          { topic, receipts: res.body.messages.map((m) => m.receipt) },
          5000,
        ).catch(() => undefined);
      }
    };
    const nemesis = async () => {
      const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await pause(4000);
      const victim = (await getJson<{ pid: number }>(`${url('node2')}/health`)).body.pid;
      process.kill(victim, 'SIGKILL');
      faults.push('SIGKILL dss-queue node2');
      await pause(5000);
      const redis = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .find((l) => l.includes(`redis-server 127.0.0.1:${redisPort()}`));
      process.kill(Number(redis!.trim().split(/\s+/)[0]), 'SIGKILL');
      faults.push('SIGKILL redis-server');
      await pause(5000);
      const second = (await getJson<{ pid: number }>(`${url('node3')}/health`).catch(() => ({ body: { pid: 0 } }))).body
        .pid;
      if (second) {
        process.kill(second, 'SIGKILL');
        faults.push('SIGKILL dss-queue node3');
      }
    };

    const allDelivered = () => [...published].every((k) => delivered.has(k));
    const consumers = Array.from({ length: 3 }, (_, c) => consumer(c, () => !producing && allDelivered()));
    await Promise.all([
      nemesis(),
      ...Array.from({ length: 4 }, (_, p) => producer(p)),
      new Promise((r) => setTimeout(r, PRODUCE_MS)).then(() => (producing = false)),
    ]);
    // Drain: in-flight deliveries of crashed consumers come back after their visibility.
    await eventually(async () => allDelivered(), 90_000, 250).catch(() => undefined);
    producing = false;
    const lost = [...published].filter((k) => !delivered.has(k));
    const duplicates = [...delivered.values()].reduce((n, c) => n + (c - 1), 0);
    process.stdout.write(
      `queue no-loss: ${published.size} published (201), ${delivered.size} distinct delivered, ${lost.length} lost, ${duplicates} duplicate deliveries, ${publishFailures} failed publishes; faults: ${faults.join(', ')}\n`,
    );
    // Stop the consumers (they stop once everything published was delivered).
    await Promise.race([Promise.all(consumers), new Promise((r) => setTimeout(r, 15_000))]);
    expect(faults).toHaveLength(3);
    expect(published.size).toBeGreaterThan(2000);
    expect(lost.slice(0, 20)).toEqual([]);
  });
});
