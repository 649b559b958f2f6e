import {
  contractMismatches,
  eventually,
  getJson,
  metricValue,
  postJson,
  TestCluster,
  testPortOffset,
} from '../support/local-cluster.js';

// The queue service on a real local cluster (PM2, three queue daemons, one
// Redis with its append-only file), driven through the HTTP API.

interface Delivery {
  id: string;
  receipt: string;
  body: unknown;
  deliveries: number;
  publishedAt: number;
  group?: string;
  priority?: number;
}
interface Consumed {
  messages: Delivery[];
  acked?: number;
  stale?: string[];
}
interface Stats {
  topic: string;
  owner: string;
  ready: number;
  inflight: number;
  delayed: number;
  dead: number;
  waiting: number;
  groups: number;
  fence?: number;
}
interface ErrorBody {
  error: { code: string; message: string; token?: number; fence?: number };
}

const NODES = ['node1', 'node2', 'node3'];

describe('queue service on the local cluster', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(testPortOffset() + 90);
  const url = (node: string) => cluster.url('queue', node);
  const publish = (node: string, body: Record<string, unknown>) =>
    postJson<{ ids: string[]; duplicate?: boolean } & ErrorBody>(`${url(node)}/queue/publish`, body);
  const consume = (node: string, body: Record<string, unknown>) =>
    postJson<Consumed & ErrorBody>(`${url(node)}/queue/consume`, body, 30_000);
  const ack = (node: string, body: Record<string, unknown>) =>
    postJson<{ acked: number; stale: string[] } & ErrorBody>(`${url(node)}/queue/ack`, body);
  const stats = (node: string, topic: string) => getJson<Stats>(`${url(node)}/queue/${topic}`);

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(() => cluster.dispose());

  it('redelivers an unacked message after its visibility timeout, with the delivery count incremented', async () => {
    const { body } = await publish('node1', { topic: 'redeliver', message: { order: 42 } });
    expect(body.ids).toHaveLength(1);
    const first = await consume('node2', { topic: 'redeliver', visibilityMs: 500 });
    expect(first.body.messages).toEqual([
      expect.objectContaining({ id: body.ids[0], body: { order: 42 }, deliveries: 1 }),
    ]);
    expect((await consume('node3', { topic: 'redeliver' })).body.messages).toEqual([]); // invisible meanwhile
    const second = await consume('node3', { topic: 'redeliver', waitMs: 5000 });
    expect(second.body.messages).toEqual([expect.objectContaining({ id: body.ids[0], deliveries: 2 })]);
    // The first receipt went stale with the redelivery: 409, the message stays.
    const staleAck = await ack('node1', { topic: 'redeliver', receipt: first.body.messages[0]!.receipt });
    expect(staleAck.status).toBe(409);
    expect(staleAck.body.error.code).toBe('STALE_RECEIPT');
    expect((await ack('node1', { topic: 'redeliver', receipt: second.body.messages[0]!.receipt })).body).toEqual({
      acked: 1,
      stale: [],
    });
    expect((await stats('node2', 'redeliver')).body).toMatchObject({ ready: 0, inflight: 0, dead: 0 });
  });

  it('delivers first deliveries of a topic in FIFO order, batches included', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ i }));
    expect((await publish('node2', { topic: 'fifo', messages })).status).toBe(201);
    await publish('node3', { topic: 'fifo', message: { i: 50 } });
    const got: number[] = [];
    while (got.length < 51) {
      const res = await consume(NODES[got.length % 3]!, { topic: 'fifo', max: 7 });
      got.push(...res.body.messages.map((m) => (m.body as { i: number }).i));
      await ack('node1', { topic: 'fifo', receipts: res.body.messages.map((m) => m.receipt) });
    }
    expect(got).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  it('moves a message to the dead-letter list after 5 deliveries, and redrives it', async () => {
    await publish('node1', { topic: 'poison', message: 'bad' });
    for (let n = 1; n <= 5; n++) {
      const res = await consume('node2', { topic: 'poison', visibilityMs: 100, waitMs: 5000 });
      expect(res.body.messages.map((m) => m.deliveries)).toEqual([n]);
      await postJson(`${url('node3')}/queue/nack`, { topic: 'poison', receipt: res.body.messages[0]!.receipt });
    }
    await eventually(async () => (await stats('node1', 'poison')).body.dead === 1, 5000);
    expect((await consume('node1', { topic: 'poison', waitMs: 500 })).body.messages).toEqual([]);
    const dead = await getJson<{ messages: { body: unknown; deliveries: number }[] }>(
      `${url('node2')}/queue/poison/dead`,
    );
    expect(dead.body.messages).toEqual([expect.objectContaining({ body: 'bad', deliveries: 5 })]);
    expect((await postJson(`${url('node3')}/queue/poison/dead/redrive`, {})).body).toEqual({
      topic: 'poison',
      redriven: 1,
    });
    expect((await consume('node1', { topic: 'poison' })).body.messages).toEqual([
      expect.objectContaining({ body: 'bad', deliveries: 1 }),
    ]);
  });

  it('holds delayed messages back until they are due', async () => {
    const publishedAt = Date.now();
    await publish('node1', { topic: 'later', message: 'soon', delayMs: 1500 });
    expect((await consume('node2', { topic: 'later' })).body.messages).toEqual([]);
    expect((await stats('node3', 'later')).body.delayed).toBe(1);
    const res = await consume('node2', { topic: 'later', waitMs: 10_000 });
    expect(res.body.messages.map((m) => m.body)).toEqual(['soon']);
    expect(Date.now() - publishedAt).toBeGreaterThanOrEqual(1500);
  });

  it('drops a duplicate publish within the dedup window and returns the original ids', async () => {
    const first = await publish('node1', { topic: 'dedup', message: 'once', dedupId: 'order-7' });
    const again = await publish('node3', { topic: 'dedup', message: 'once', dedupId: 'order-7' });
    expect(again.status).toBe(201);
    expect(again.body.ids).toEqual(first.body.ids);
    expect((await stats('node2', 'dedup')).body.ready).toBe(1);
  });

  it('extends visibility while a consumer works (in-progress heartbeat)', async () => {
    await publish('node1', { topic: 'slow', message: 'job' });
    const res = await consume('node1', { topic: 'slow', visibilityMs: 500 });
    const receipt = res.body.messages[0]!.receipt;
    expect(
      (await postJson(`${url('node2')}/queue/extend`, { topic: 'slow', receipt, visibilityMs: 3000 })).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await consume('node3', { topic: 'slow' })).body.messages).toEqual([]);
    expect((await ack('node2', { topic: 'slow', receipt })).status).toBe(200);
  });

  it('answers 400 to each kind of bad input and stores nothing', async () => {
    const bad: [string, string, unknown][] = [
      ['publish', 'bad topic name', { topic: 'no spaces!', message: 1 }],
      ['publish', 'over-long topic', { topic: 't'.repeat(129), message: 1 }],
      ['publish', 'neither message nor messages', { topic: 'bad' }],
      ['publish', 'both message and messages', { topic: 'bad', message: 1, messages: [1] }],
      ['publish', 'too many messages', { topic: 'bad', messages: Array.from({ length: 1001 }, () => 1) }],
      ['publish', 'negative delay', { topic: 'bad', message: 1, delayMs: -5 }],
      ['publish', 'unknown field', { topic: 'bad', message: 1, urgency: 9 }],
      ['publish', 'priority over 9', { topic: 'bad', message: 1, priority: 10 }],
      ['publish', 'fractional priority', { topic: 'bad', message: 1, priority: 1.5 }],
      ['publish', 'empty group', { topic: 'bad', message: 1, group: '' }],
      ['publish', 'group with a brace', { topic: 'bad', message: 1, group: 'a{b}' }],
      ['publish', 'over-long group', { topic: 'bad', message: 1, group: 'g'.repeat(129) }],
      ['publish', 'group with a delay', { topic: 'bad', message: 1, group: 'g', delayMs: 100 }],
      ['publish', 'fence token 0', { topic: 'bad', message: 1, fence: { token: 0 } }],
      ['publish', 'fence token a string', { topic: 'bad', message: 1, fence: { token: '7' } }],
      ['publish', 'fence not an object', { topic: 'bad', message: 1, fence: 7 }],
      ['publish', 'fence with an unknown field', { topic: 'bad', message: 1, fence: { token: 7, holder: 'x' } }],
      ['consume', 'max too large', { topic: 'bad', max: 5000 }],
      ['consume', 'wait too long', { topic: 'bad', waitMs: 3_600_000 }],
      ['consume', 'visibility too short', { topic: 'bad', visibilityMs: 1 }],
      ['consume', 'ack not a list', { topic: 'bad', ack: 'r' }],
      ['consume', 'ack over the batch limit', { topic: 'bad', ack: Array.from({ length: 1001 }, (_, i) => `r${i}`) }],
      ['ack', 'wrong type', { topic: 'bad', receipt: 5 }],
      ['ack', 'no receipt', { topic: 'bad' }],
      ['extend', 'missing visibility', { topic: 'bad', receipt: 'r' }],
      ['publish', 'not an object', [1]],
    ];
    for (const [op, name, body] of bad) {
      const res = await postJson<ErrorBody>(`${url('node2')}/queue/${op}`, body);
      expect([name, res.status, res.body.error?.code]).toEqual([name, 400, 'INVALID_ARGUMENT']);
    }
    expect((await stats('node1', 'bad')).body).toMatchObject({
      ready: 0,
      inflight: 0,
      delayed: 0,
      dead: 0,
      waiting: 0,
    });
    expect((await stats('node1', 'bad')).body.fence).toBeUndefined();
  });

  it('wakes a consumer long-polling on one node when a message is published on another', async () => {
    for (const [waitOn, publishOn] of [
      ['node1', 'node2'],
      ['node2', 'node3'],
      ['node3', 'node1'],
    ] as const) {
      const topic = `wake-${waitOn}`;
      const polling = consume(waitOn, { topic, waitMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300)); // the consume is asleep by now
      const published = Date.now();
      await publish(publishOn, { topic, message: publishOn });
      const got = await polling;
      // Not the fallback look (QUEUE_WAKEUP_FALLBACK_MS, 1 s after it fell asleep): a wake-up.
      expect([waitOn, got.body.messages.map((m) => m.body), Date.now() - published < 500]).toEqual([
        waitOn,
        [publishOn],
        true,
      ]);
    }
  });

  it('hands a publish to a consumer asleep on the node that received it, in the publish, and its receipt acks', async () => {
    const topic = 'handoff';
    const handed = (node: string) => metricValue(url(node), 'dss_queue_handed_off_total', `topic="${topic}"`);
    const before = await handed('node2');
    const polling = consume('node2', { topic, waitMs: 10_000, max: 5 });
    await new Promise((r) => setTimeout(r, 300)); // asleep by now
    await publish('node2', { topic, messages: ['x', 'y'] });
    const got = (await polling).body.messages;
    expect(got.map((m) => [m.body, m.deliveries])).toEqual([
      ['x', 1],
      ['y', 1],
    ]);
    // Taken by the publish's own script (the counter), not by a woken consume of its own.
    expect((await handed('node2')) - before).toBe(2);
    expect((await stats('node1', topic)).body).toMatchObject({ ready: 0, inflight: 2 });
    expect((await ack('node3', { topic, receipts: got.map((m) => m.receipt) })).body).toEqual({ acked: 2, stale: [] });
    // A delayed publish is not handed off: it is not ready yet.
    const waiting = consume('node2', { topic, waitMs: 1500 });
    await new Promise((r) => setTimeout(r, 300));
    await publish('node2', { topic, message: 'later', delayMs: 60_000 });
    expect((await waiting).body.messages).toEqual([]);
    expect((await handed('node2')) - before).toBe(2);
  });

  it('acks and fetches in one request: acked messages are gone, stale receipts listed, new ones delivered', async () => {
    const topic = 'ack-and-fetch';
    await publish('node1', { topic, messages: ['a', 'b', 'c'] });
    const first = (await consume('node2', { topic, max: 1 })).body.messages;
    const next = await consume('node3', { topic, max: 5, ack: [first[0]!.receipt, 'not-a-receipt'] });
    expect(next.status).toBe(200);
    expect(next.body).toEqual({
      acked: 1,
      stale: ['not-a-receipt'],
      messages: [expect.objectContaining({ body: 'b' }), expect.objectContaining({ body: 'c' })],
    });
    expect((await stats('node1', topic)).body).toMatchObject({ ready: 0, inflight: 2 });
    // The acks are applied at once, even when the consume then long-polls.
    const last = consume('node1', { topic, waitMs: 5000, ack: next.body.messages.map((m) => m.receipt) });
    await eventually(async () => (await stats('node1', topic)).body.inflight === 0, 2000, 50);
    await publish('node2', { topic, message: 'd' });
    expect((await last).body).toMatchObject({
      acked: 2,
      stale: [],
      messages: [expect.objectContaining({ body: 'd' })],
    });
  });

  it('delivers a message group in order, one at a time, and wakes a waiter on another node when the head is acked', async () => {
    const topic = 'groups';
    await publish('node1', { topic, messages: ['a1', 'a2'], group: 'a' });
    await publish('node2', { topic, messages: ['b1', 'b2'], group: 'b' });
    const first = await consume('node3', { topic, max: 10 });
    expect(first.body.messages.map((m) => [m.body, m.group])).toEqual([
      ['a1', 'a'],
      ['b1', 'b'],
    ]);
    expect((await stats('node1', topic)).body).toMatchObject({ ready: 0, inflight: 2, waiting: 2, groups: 2 });
    const polling = consume('node2', { topic, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300)); // asleep by now: a1 and b1 are out, a2 and b2 wait
    const acked = Date.now();
    await ack('node1', { topic, receipt: first.body.messages[0]!.receipt });
    const got = await polling;
    // Woken by the ack (the store's onReady), not by the 1 s fallback look.
    expect([got.body.messages.map((m) => m.body), Date.now() - acked < 500]).toEqual([['a2'], true]);
  });

  it('delivers higher priorities first and says which priority a message has', async () => {
    const topic = 'priorities';
    await publish('node1', { topic, message: 'background', priority: 0 });
    await publish('node2', { topic, message: 'normal' });
    await publish('node3', { topic, message: 'urgent', priority: 9 });
    const got = (await consume('node1', { topic, max: 10 })).body.messages;
    expect(got.map((m) => [m.body, m.priority])).toEqual([
      ['urgent', 9],
      ['normal', undefined],
      ['background', 0],
    ]);
  });

  it('refuses a publish with an older fencing token: 409 FENCED, nothing stored; the stats show the fence', async () => {
    const topic = 'fenced';
    expect((await publish('node1', { topic, message: 'by7', fence: { token: 7 } })).status).toBe(201);
    expect((await publish('node2', { topic, message: 'by7-again', fence: { token: 7 } })).status).toBe(201);
    const refused = await publish('node3', { topic, messages: ['by6', 'by6b'], fence: { token: 6 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'FENCED', token: 6, fence: 7 });
    expect((await publish('node3', { topic, message: 'unfenced' })).status).toBe(201);
    expect((await stats('node1', topic)).body).toMatchObject({ ready: 3, fence: 7 });
    const got = (await consume('node1', { topic, max: 10 })).body.messages.map((m) => m.body);
    expect(got).toEqual(['by7', 'by7-again', 'unfenced']);
  });

  it('moves a topic to the next node when its owner dies, and back when it returns', async () => {
    const topic = 'moving';
    await publish('node1', { topic, message: 'x' });
    const owner = (await stats('node1', topic)).body.owner;
    const other = NODES.find((n) => n !== owner)!;
    const pid = (await getJson<{ pid: number }>(`${url(owner)}/health`)).body.pid;
    process.kill(pid, 'SIGSTOP'); // paused: not dead to the OS, unreachable to its peers
    try {
      await eventually(async () => (await stats(other, topic)).body.owner !== owner, 10_000, 200);
      // Still served while the owner is away.
      expect((await consume(other, { topic })).body.messages.map((m) => m.body)).toEqual(['x']);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(async () => (await stats(other, topic)).body.owner === owner, 10_000, 200);
  });

  it('answered only as the API contract says (docs/api.md)', () => {
    const { checked, mismatches } = contractMismatches();
    expect(checked).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });
});
