import { DssClient } from './dss-client.js';
import { FencedError, StaleReceiptError } from './errors.js';
import { countingIds, ENDPOINTS, FakeFetch, inOrder, type FakeReply } from './fake-fetch.test-kit.js';

function client(...replies: FakeReply[]) {
  const fake = new FakeFetch(inOrder(...replies));
  return {
    dss: new DssClient({ endpoints: ENDPOINTS, fetch: fake.fetch, newId: countingIds(), random: () => 0 }),
    fake,
  };
}

describe('QueueClient', () => {
  it('publish: generates a dedupId unless given, and passes the duplicate flag through', async () => {
    const { dss, fake } = client(
      { status: 201, body: { ids: ['m1'] } },
      { status: 201, body: { ids: ['m1'], duplicate: true } },
    );
    await dss.queue.publish({ topic: 't', message: { n: 1 }, delayMs: 10 });
    await expect(dss.queue.publish({ topic: 't', message: { n: 1 }, dedupId: 'batch-9' })).resolves.toEqual({
      ids: ['m1'],
      duplicate: true,
    });
    expect(fake.requests.map((r) => r.body)).toEqual([
      { topic: 't', message: { n: 1 }, delayMs: 10, dedupId: 'id-1' },
      { topic: 't', message: { n: 1 }, dedupId: 'batch-9' },
    ]);
  });

  it('publish: sends group, priority and fence; an older fence is FencedError, not retried', async () => {
    const { dss, fake } = client(
      { status: 201, body: { ids: ['m1'] } },
      { status: 409, body: { error: { code: 'FENCED', message: 'older', token: 6, fence: 7 } } },
    );
    await dss.queue.publish({ topic: 't', messages: [1, 2], group: 'g', priority: 9, fence: { token: 7 } });
    const err = await dss.queue.publish({ topic: 't', message: 3, fence: { token: 6 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FencedError);
    expect(err).toMatchObject({ token: 6, fence: 7 });
    expect(fake.requests.map((r) => r.body)).toEqual([
      { topic: 't', messages: [1, 2], group: 'g', priority: 9, fence: { token: 7 }, dedupId: 'id-1' },
      { topic: 't', message: 3, fence: { token: 6 }, dedupId: 'id-2' },
    ]);
  });

  it('consume returns the deliveries', async () => {
    const d = { id: 'm1', receipt: 'rc', body: 'x', deliveries: 1, publishedAt: 5 };
    const { dss, fake } = client({ status: 200, body: { messages: [d] } });
    await expect(dss.queue.consume({ topic: 't', max: 3, visibilityMs: 1000, waitMs: 0 })).resolves.toEqual([d]);
    expect(fake.requests[0]!.body).toEqual({ topic: 't', max: 3, visibilityMs: 1000, waitMs: 0 });
  });

  it('ack: a single stale receipt is StaleReceiptError; a batch lists stale ones', async () => {
    const { dss, fake } = client(
      {
        status: 409,
        body: { error: { code: 'STALE_RECEIPT', message: 'the receipt is no longer valid', receipt: 'r1' } },
      },
      { status: 200, body: { acked: 1, stale: ['r2'] } },
    );
    const err = await dss.queue.ack({ topic: 't', receipt: 'r1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleReceiptError);
    expect((err as StaleReceiptError).receipt).toBe('r1');
    await expect(dss.queue.ack({ topic: 't', receipts: ['r1', 'r2'] })).resolves.toEqual({ acked: 1, stale: ['r2'] });
    expect(fake.requests.map((r) => r.body)).toEqual([
      { topic: 't', receipt: 'r1' },
      { topic: 't', receipts: ['r1', 'r2'] },
    ]);
  });

  it('stats, dead and redrive use the topic in the path', async () => {
    const stats = { topic: 'a.b', owner: 'node2', ready: 1, inflight: 0, delayed: 0, dead: 2 };
    const { dss, fake } = client(
      { status: 200, body: stats },
      { status: 200, body: { topic: 'a.b', messages: [] } },
      { status: 200, body: { topic: 'a.b', redriven: 2 } },
    );
    await expect(dss.queue.stats('a.b')).resolves.toEqual(stats);
    await expect(dss.queue.dead('a.b')).resolves.toEqual({ topic: 'a.b', messages: [] });
    await expect(dss.queue.redrive('a.b')).resolves.toEqual({ topic: 'a.b', redriven: 2 });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /queue/a.b',
      'GET /queue/a.b/dead',
      'POST /queue/a.b/dead/redrive',
    ]);
  });

  it('topics: sends prefix and limit as a query and checks the answer', async () => {
    const stats = { topic: 'a.b', owner: 'node1', ready: 1, inflight: 0, delayed: 0, dead: 0, waiting: 0, groups: 0 };
    const { dss, fake } = client(
      { status: 200, body: { topics: [stats], truncated: true } },
      { status: 200, body: { topics: [], truncated: false } },
      { status: 200, body: { topics: 'nope' } },
    );
    await expect(dss.queue.topics({ prefix: 'a.', limit: 1 })).resolves.toEqual({ topics: [stats], truncated: true });
    await expect(dss.queue.topics()).resolves.toEqual({ topics: [], truncated: false });
    await expect(dss.queue.topics()).rejects.toThrow(/unexpected answer/);
    expect(fake.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      'GET /queue?prefix=a.&limit=1',
      'GET /queue',
      'GET /queue',
    ]);
  });

  it('browse, redrive by ids and purge use the topic in the path; only browse is retried', async () => {
    const { dss, fake } = client(
      { status: 200, body: { topic: 'a b', state: 'delayed', messages: [] } },
      { status: 200, body: { topic: 'a b', redriven: 1, notFound: ['m9'] } },
      { status: 200, body: { topic: 'a b', purged: 3 } },
      'reset',
      'reset',
    );
    await expect(dss.queue.browse('a b', { state: 'delayed', limit: 5 })).resolves.toEqual({
      topic: 'a b',
      state: 'delayed',
      messages: [],
    });
    await expect(dss.queue.redriveIds('a b', ['m1', 'm9'])).resolves.toEqual({
      topic: 'a b',
      redriven: 1,
      notFound: ['m9'],
    });
    await expect(dss.queue.purgeDead('a b')).resolves.toEqual({ topic: 'a b', purged: 3 });
    // A purge whose answer was lost is not repeated: it may have run.
    await expect(dss.queue.purgeDead('a b')).rejects.toThrow(/not safe to repeat/);
    expect(fake.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      'GET /queue/a%20b/messages?state=delayed&limit=5',
      'POST /queue/a%20b/dead/redrive',
      'DELETE /queue/a%20b/dead',
      'DELETE /queue/a%20b/dead',
    ]);
    expect(fake.requests[1]!.body).toEqual({ ids: ['m1', 'm9'] });
  });
});
