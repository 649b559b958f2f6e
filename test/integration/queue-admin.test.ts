import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import {
  contractMismatches,
  eventually,
  getJson,
  postJson,
  requestJson,
  TestCluster,
  testPortOffset,
} from '../support/local-cluster.js';

// The operator endpoints of the queue (docs/queue.md, "Operator endpoints") on
// a real local cluster with real Redis: listing topics, browsing without
// consuming, redrive by id and purge, each asked of different nodes.

interface Stats {
  topic: string;
  owner: string;
  ready: number;
  inflight: number;
  delayed: number;
  dead: number;
  waiting: number;
  groups: number;
}
interface Listed {
  id: string;
  body: unknown;
  publishedAt: number;
  deliveries: number;
  dedupId?: string;
  group?: string;
  priority?: number;
  deliverAt?: number;
  visibleAt?: number;
}
interface ErrorBody {
  error: { code: string; message: string };
}

describe('queue operator endpoints on the local cluster', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(testPortOffset() + 110);
  const url = (node: string) => cluster.url('queue', node);
  let redis: Redis;

  const publish = async (topic: string, extra: Record<string, unknown>) => {
    const res = await postJson<{ ids: string[] }>(`${url('node1')}/queue/publish`, { topic, ...extra });
    expect(res.status).toBe(201);
    return res.body.ids;
  };
  const stats = async (topic: string) => (await getJson<Stats>(`${url('node2')}/queue/${topic}`)).body;
  const counts = async (topic: string) => {
    const { ready, inflight, delayed, dead, waiting, groups } = await stats(topic);
    return { ready, inflight, delayed, dead, waiting, groups };
  };
  const browse = (node: string, topic: string, query: string) =>
    getJson<{ topic: string; state: string; messages: Listed[] } & ErrorBody>(
      `${url(node)}/queue/${topic}/messages${query}`,
    );
  const list = (node: string, query: string) =>
    getJson<{ topics: Stats[]; truncated: boolean } & ErrorBody>(`${url(node)}/queue${query}`);
  const redrive = (node: string, topic: string, body?: unknown) =>
    requestJson<{ topic: string; redriven: number; notFound?: string[] } & ErrorBody>(
      'POST',
      `${url(node)}/queue/${topic}/dead/redrive`,
      body,
    );
  const purge = (node: string, topic: string) =>
    requestJson<{ topic: string; purged: number } & ErrorBody>('DELETE', `${url(node)}/queue/${topic}/dead`);

  /** Publishes `bodies` and nacks every delivery until all of them are dead letters (5 deliveries each). */
  async function deadLetters(topic: string, bodies: unknown[]): Promise<string[]> {
    const ids = await publish(topic, { messages: bodies });
    await eventually(
      async () => {
        const got = await postJson<{ messages: { receipt: string }[] }>(`${url('node3')}/queue/consume`, {
          topic,
          max: bodies.length,
          visibilityMs: 10_000,
        });
        for (const m of got.body.messages) await postJson(`${url('node3')}/queue/nack`, { topic, receipt: m.receipt });
        return (await stats(topic)).dead === ids.length;
      },
      20_000,
      0,
    );
    return ids;
  }

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
    const r = cluster.cluster.redis;
    if (r?.mode !== 'standalone') throw new Error('this suite reads the standalone Redis directly');
    redis = new Redis({ host: '127.0.0.1', port: r.port, lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    redis?.disconnect();
    await cluster.dispose();
  });

  it('lists the topics published to, by name, with the same counts as GET /queue/{topic}, on any node', async () => {
    await publish('ops.b', { messages: ['1', '2'] });
    await publish('ops.a', { message: 'later', delayMs: 60_000 });
    await publish('ops.c', { message: 'g', group: 'g1' });
    await publish('other', { message: 'x' });
    for (const node of ['node1', 'node2', 'node3']) {
      const res = await list(node, '?prefix=ops.');
      expect(res.status).toBe(200);
      expect(res.body.truncated).toBe(false);
      expect(res.body.topics.map((t) => t.topic)).toEqual(['ops.a', 'ops.b', 'ops.c']);
      // The owner in both answers comes from each node's view of which queue nodes are live,
      // which can differ for a probe interval (a ping timed out on the loaded machine): compare
      // again until two answers agree; if they never do, show the difference.
      const agree = async () => {
        const again = (await list(node, '?prefix=ops.')).body.topics;
        for (const t of again) if (!isDeepStrictEqual(t, await stats(t.topic))) return false;
        return true;
      };
      if (
        await eventually(agree, 5000, 100).then(
          () => false,
          () => true,
        )
      )
        for (const t of (await list(node, '?prefix=ops.')).body.topics) expect(t).toEqual(await stats(t.topic));
    }
    const all = await list('node2', '');
    expect(all.body.topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['ops.a', 'other']));
    expect(all.body.topics.map((t) => t.topic)).toEqual([...all.body.topics.map((t) => t.topic)].sort());
    const cut = await list('node3', '?prefix=ops.&limit=2');
    expect(cut.body.topics.map((t) => t.topic)).toEqual(['ops.a', 'ops.b']);
    expect(cut.body.truncated).toBe(true);
    expect((await list('node1', '?prefix=nothing-like-this')).body).toEqual({ topics: [], truncated: false });
  });

  it('browses ready, delayed and in-flight messages without changing any count', async () => {
    const topic = 'browse';
    await publish(topic, { message: 'out', priority: 9 });
    const taken = await postJson<{ messages: { id: string }[] }>(`${url('node3')}/queue/consume`, {
      topic,
      visibilityMs: 60_000,
    });
    expect(taken.body.messages).toHaveLength(1);
    const low = await publish(topic, { message: 'low', priority: 1 });
    const plain = await publish(topic, { messages: [{ n: 1 }, { n: 2 }], dedupId: 'b-1' });
    const high = await publish(topic, { message: 'high', priority: 9 });
    const delayed = await publish(topic, { message: 'wait', delayMs: 60_000 });
    const before = await counts(topic);
    expect(before).toMatchObject({ ready: 4, inflight: 1, delayed: 1 });

    const ready = await browse('node1', topic, '');
    expect(ready.body.state).toBe('ready');
    expect(ready.body.messages.map((m) => m.id)).toEqual([...high, ...plain, ...low]);
    expect(ready.body.messages[1]).toEqual({
      id: plain[0],
      body: { n: 1 },
      publishedAt: expect.any(Number),
      deliveries: 0,
      dedupId: 'b-1',
    });
    expect((await browse('node2', topic, '?state=ready&limit=2')).body.messages.map((m) => m.id)).toEqual([
      high[0],
      plain[0],
    ]);
    const later = (await browse('node2', topic, '?state=delayed')).body.messages;
    expect(later).toEqual([expect.objectContaining({ id: delayed[0], body: 'wait', deliverAt: expect.any(Number) })]);
    expect(later[0]!.deliverAt! - later[0]!.publishedAt).toBe(60_000);
    const out = (await browse('node3', topic, '?state=inflight')).body.messages;
    expect(out).toEqual([
      expect.objectContaining({ id: taken.body.messages[0]!.id, body: 'out', deliveries: 1, priority: 9 }),
    ]);
    expect(out[0]!.visibleAt! - Date.now()).toBeGreaterThan(50_000);
    expect(out[0]).not.toHaveProperty('receipt');

    expect(await counts(topic)).toEqual(before);
    // Browsing showed what consume takes next, in that order.
    const next = await postJson<{ messages: { id: string }[] }>(`${url('node1')}/queue/consume`, { topic, max: 4 });
    expect(next.body.messages.map((m) => m.id)).toEqual(ready.body.messages.map((m) => m.id));
  });

  it('redrives only the dead letters named, which are then consumed again', async () => {
    const topic = 'redrive-ids';
    const [a, b, c] = await deadLetters(topic, ['a', 'b', 'c']);
    const res = await redrive('node1', topic, { ids: [c, a, 'not-an-id-here'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ topic, redriven: 2, notFound: ['not-an-id-here'] });
    expect(await counts(topic)).toMatchObject({ ready: 2, dead: 1 });
    const dead = await getJson<{ messages: Listed[] }>(`${url('node3')}/queue/${topic}/dead`);
    expect(dead.body.messages.map((m) => m.id)).toEqual([b]);
    const again = await postJson<{ messages: { id: string; deliveries: number; body: unknown }[] }>(
      `${url('node2')}/queue/consume`,
      { topic, max: 10 },
    );
    expect(again.body.messages.map((m) => [m.id, m.body, m.deliveries])).toEqual([
      [c, 'c', 1],
      [a, 'a', 1],
    ]);
    // No body still redrives everything, as before.
    expect((await redrive('node2', topic)).body).toEqual({ topic, redriven: 1 });
  });

  it('purges the dead letters of a topic, bodies included, and leaves its other messages', async () => {
    const topic = 'purge';
    const dead = await deadLetters(topic, ['p1', 'p2', 'p3']);
    const live = await publish(topic, { message: 'keep' });
    const k = `dss:q:{${topic}}:`;
    expect((await redis.hkeys(`${k}msg`)).sort()).toEqual([...dead, ...live].sort());
    const res = await purge('node3', topic);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ topic, purged: 3 });
    expect(await counts(topic)).toMatchObject({ ready: 1, dead: 0 });
    expect(await redis.hkeys(`${k}msg`)).toEqual(live);
    expect(await redis.hlen(`${k}deliveries`)).toBe(0);
    expect(await redis.exists(`${k}dead`)).toBe(0);
    expect((await purge('node1', topic)).body).toEqual({ topic, purged: 0 });
    // Still listed: it has a ready message.
    expect((await list('node1', `?prefix=${topic}`)).body.topics.map((t) => t.topic)).toEqual([topic]);
  });

  it('answers 400 INVALID_ARGUMENT to bad input and changes nothing', async () => {
    const topic = 'admin-bad';
    const [deadId] = await deadLetters(topic, ['d']);
    await publish(topic, { message: 'r' });
    const before = await counts(topic);
    const bad: [string, () => Promise<{ status: number; body: ErrorBody }>][] = [
      ['list limit 0', () => list('node1', '?limit=0')],
      ['list limit over the max', () => list('node1', '?limit=1001')],
      ['list limit not a number', () => list('node1', '?limit=many')],
      ['list prefix with a space', () => list('node1', '?prefix=a%20b')],
      ['list unknown parameter', () => list('node1', '?sort=desc')],
      ['browse unknown state', () => browse('node2', topic, '?state=dead')],
      ['browse limit over the max', () => browse('node2', topic, '?limit=101')],
      ['browse fractional limit', () => browse('node2', topic, '?limit=1.5')],
      ['browse bad topic', () => browse('node2', 'a{b}', '')],
      ['redrive empty ids', () => redrive('node3', topic, { ids: [] })],
      ['redrive ids not a list', () => redrive('node3', topic, { ids: deadId })],
      ['redrive id not a string', () => redrive('node3', topic, { ids: [5] })],
      ['redrive too many ids', () => redrive('node3', topic, { ids: Array.from({ length: 101 }, (_, i) => `x${i}`) })],
      ['redrive unknown field', () => redrive('node3', topic, { ids: [deadId], all: true })],
      ['redrive body not an object', () => redrive('node3', topic, [deadId])],
      ['purge bad topic', () => purge('node1', 'no spaces!')],
    ];
    for (const [name, call] of bad) {
      const res = await call();
      expect([name, res.status, res.body.error?.code]).toEqual([name, 400, 'INVALID_ARGUMENT']);
    }
    expect(await counts(topic)).toEqual(before);
  });

  it('answered only as the API contract says (docs/api.md)', () => {
    const { checked, mismatches } = contractMismatches();
    expect(checked).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });
});
