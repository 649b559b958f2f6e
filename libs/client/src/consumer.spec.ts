import type { Delivery } from './client-types.js';
import { defaultConsumerBackoff } from './consumer.js';
import { DssClient } from './dss-client.js';
import { StaleReceiptError, UnavailableError } from './errors.js';
import { ENDPOINTS, FakeFetch, type FakeReply, type FakeRequest } from './fake-fetch.test-kit.js';

// The consumer loop on jest's fake clock against a scripted queue API: a
// consume hands out what is ready (up to max) or long-polls for waitMs.

const delivery = (n: number, deliveries = 1): Delivery => ({
  id: `m${n}`,
  receipt: `rc${n}`,
  body: { n },
  deliveries,
  publishedAt: 0,
});

function queueServer(
  ready: Delivery[],
  opts: { extend?: (req: FakeRequest) => FakeReply; consumeFails?: number; staleReceipts?: string[] } = {},
) {
  const stale = new Set(opts.staleReceipts ?? []);
  let consumeFailures = opts.consumeFails ?? 0;
  const fake = new FakeFetch((req) => {
    const body = req.body as { max?: number; waitMs?: number };
    switch (req.path) {
      case '/queue/consume': {
        if (consumeFailures > 0) {
          consumeFailures--;
          return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'redis down' } } };
        }
        const acks = (req.body as { ack?: string[] }).ack;
        const acked = acks
          ? { acked: acks.filter((r) => !stale.has(r)).length, stale: acks.filter((r) => stale.has(r)) }
          : {};
        const batch = ready.splice(0, body.max ?? 1);
        if (batch.length > 0 || acks) return { status: 200, body: { messages: batch, ...acked } };
        // Long poll: nothing ready, answer empty after waitMs (or drop it when aborted).
        return new Promise<FakeReply>((resolve) => {
          const timer = setTimeout(() => resolve({ status: 200, body: { messages: [] } }), body.waitMs ?? 0);
          req.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve('hang');
          });
        });
      }
      case '/queue/extend':
        return (opts.extend ?? (() => ({ status: 200, body: { extended: true } })))(req);
      case '/queue/ack':
        return { status: 200, body: { acked: 1, stale: [] } };
      case '/queue/nack':
        return { status: 200, body: { nacked: true, outcome: 'delayed' } };
      default:
        return { status: 404, body: {} };
    }
  });
  const dss = new DssClient({ endpoints: ENDPOINTS, fetch: fake.fetch, random: () => 0, timeoutMs: 60_000 });
  const bodies = (path: string) => fake.to(path).map((r) => r.body);
  /** Receipts acked, alone (/queue/ack) or carried by a consume (ack-and-fetch), in order. */
  const acked = () =>
    fake.requests
      .filter((r) => r.path === '/queue/ack' || r.path === '/queue/consume')
      .flatMap((r) => {
        const b = r.body as { receipt?: string; receipts?: string[]; ack?: string[] };
        return r.path === '/queue/ack' ? (b.receipts ?? [b.receipt!]) : (b.ack ?? []);
      });
  const failConsumes = (n: number) => void (consumeFailures = n);
  return { dss, fake, bodies, acked, failConsumes };
}

/** A handler whose calls stay open until the test settles them. */
function gatedHandler() {
  const open = new Map<string, { resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal }>();
  let running = 0;
  let maxRunning = 0;
  const handler = (d: Delivery, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const done = () => {
        running--;
        open.delete(d.id);
      };
      open.set(d.id, { resolve: () => (done(), resolve()), reject: (e) => (done(), reject(e)), signal });
    });
  return { handler, open, maxRunning: () => maxRunning };
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('consumer', () => {
  it('runs at most `concurrency` handlers, asking only for as many deliveries as it has free slots', async () => {
    const { dss, bodies } = queueServer([1, 2, 3, 4, 5].map((n) => delivery(n)));
    const h = gatedHandler();
    const consumer = dss.queue.consumer('t', h.handler, { concurrency: 2, waitMs: 1000, onError: () => undefined });
    await jest.advanceTimersByTimeAsync(0);
    expect([...h.open.keys()]).toEqual(['m1', 'm2']);
    await jest.advanceTimersByTimeAsync(5000);
    expect(h.open.size).toBe(2); // no third handler while two run
    expect(bodies('/queue/consume')).toHaveLength(1);
    h.open.get('m1')!.resolve();
    await jest.advanceTimersByTimeAsync(0);
    expect([...h.open.keys()]).toEqual(['m2', 'm3']);
    // m1's ack rides on the consume that refills its slot, which does not long-poll.
    expect(bodies('/queue/consume')[1]).toEqual({ topic: 't', max: 1, waitMs: 0, visibilityMs: 30_000, ack: ['rc1'] });
    expect(bodies('/queue/ack')).toEqual([]);
    for (const id of ['m2', 'm3']) h.open.get(id)!.resolve();
    await jest.advanceTimersByTimeAsync(0);
    for (const id of ['m4', 'm5']) h.open.get(id)!.resolve();
    await jest.advanceTimersByTimeAsync(0);
    expect(h.maxRunning()).toBe(2);
    expect(consumer.stats).toEqual({ handled: 5, failed: 0, extended: 0 });
    await consumer.stop();
  });

  it('acks each delivery whose handler succeeded, with its receipt', async () => {
    const { dss, bodies, acked } = queueServer([delivery(1), delivery(2)]);
    const seen: unknown[] = [];
    const consumer = dss.queue.consumer('t', async (d) => void seen.push(d.body), { concurrency: 2 });
    await jest.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(acked()).toEqual(['rc1', 'rc2']);
    expect(bodies('/queue/nack')).toEqual([]);
    await consumer.stop();
  });

  it('carries the ack of a handler that frees a full slot on the next consume, reporting a stale receipt', async () => {
    const { dss, bodies, acked } = queueServer(
      [1, 2, 3].map((n) => delivery(n)),
      { staleReceipts: ['rc2'] },
    );
    const h = gatedHandler();
    const errors: [unknown, string | undefined][] = [];
    const consumer = dss.queue.consumer('t', h.handler, {
      concurrency: 2,
      waitMs: 1000,
      onError: (e, d) => errors.push([e, d?.id]),
    });
    await jest.advanceTimersByTimeAsync(0);
    h.open.get('m1')!.resolve();
    h.open.get('m2')!.resolve();
    await jest.advanceTimersByTimeAsync(0);
    // Both finished while every slot was busy: one consume acks both and takes m3.
    expect(bodies('/queue/consume')[1]).toMatchObject({ max: 2, ack: ['rc1', 'rc2'] });
    expect(bodies('/queue/ack')).toEqual([]);
    expect([...h.open.keys()]).toEqual(['m3']);
    expect(errors).toEqual([[expect.any(StaleReceiptError), 'm2']]);
    h.open.get('m3')!.resolve();
    await jest.advanceTimersByTimeAsync(0);
    expect(acked()).toEqual(['rc1', 'rc2', 'rc3']);
    await consumer.stop();
  });

  it('acks alone when the consume carrying the ack fails', async () => {
    const { dss, fake, acked, failConsumes } = queueServer([delivery(1)]);
    const h = gatedHandler();
    const consumer = dss.queue.consumer('t', h.handler, { concurrency: 1, waitMs: 1000, onError: () => undefined });
    await jest.advanceTimersByTimeAsync(0);
    failConsumes(4); // every attempt of the consume with the ack aboard answers 503
    h.open.get('m1')!.resolve();
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.to('/queue/ack').map((r) => r.body)).toEqual([{ topic: 't', receipt: 'rc1' }]);
    // Four attempts carried it (503 promises nothing was applied), then it went alone.
    expect(fake.to('/queue/consume').filter((r) => (r.body as { ack?: string[] }).ack)).toHaveLength(4);
    expect(acked()).toEqual(Array(5).fill('rc1'));
    await consumer.stop();
  });

  it('extends the visibility every extendEveryMs while a handler runs, and stops extending after', async () => {
    const { dss, bodies, acked } = queueServer([delivery(1)]);
    const h = gatedHandler();
    const consumer = dss.queue.consumer('t', h.handler, { visibilityMs: 30_000 });
    await jest.advanceTimersByTimeAsync(9_999);
    expect(bodies('/queue/extend')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(bodies('/queue/extend')).toEqual([{ topic: 't', receipt: 'rc1', visibilityMs: 30_000 }]);
    await jest.advanceTimersByTimeAsync(25_000); // 35 s in all: past the first visibility, extended in time
    expect(bodies('/queue/extend')).toHaveLength(3);
    h.open.get('m1')!.resolve();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(bodies('/queue/extend')).toHaveLength(3);
    expect(acked()).toEqual(['rc1']);
    expect(consumer.stats).toMatchObject({ handled: 1, extended: 3 });
    await consumer.stop();
  });

  it('nacks a failed delivery with the backoff delay for its delivery count, and reports the error', async () => {
    const { dss, bodies } = queueServer([delivery(1, 3), delivery(2, 1)]);
    const errors: [unknown, string | undefined][] = [];
    const consumer = dss.queue.consumer(
      't',
      async (d) => {
        throw new Error(`bad ${d.id}`);
      },
      { concurrency: 2, onError: (e, d) => errors.push([e, d?.id]) },
    );
    await jest.advanceTimersByTimeAsync(0);
    expect(bodies('/queue/nack')).toEqual([
      { topic: 't', receipt: 'rc1', delayMs: 4000 },
      { topic: 't', receipt: 'rc2', delayMs: 1000 },
    ]);
    expect(bodies('/queue/ack')).toEqual([]);
    expect(errors.map(([e, id]) => [(e as Error).message, id])).toEqual([
      ['bad m1', 'm1'],
      ['bad m2', 'm2'],
    ]);
    expect(consumer.stats).toEqual({ handled: 0, failed: 2, extended: 0 });
    await consumer.stop();
  });

  it('uses a custom backoff, and the default grows 1 s, 2 s, 4 s ... up to 60 s', async () => {
    expect([1, 2, 3, 6, 7, 20].map(defaultConsumerBackoff)).toEqual([1000, 2000, 4000, 32_000, 60_000, 60_000]);
    const { dss, bodies } = queueServer([delivery(1, 2)]);
    const consumer = dss.queue.consumer('t', () => Promise.reject(new Error('x')), {
      backoffMs: (n) => n * 111,
      onError: () => undefined,
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(bodies('/queue/nack')).toEqual([{ topic: 't', receipt: 'rc1', delayMs: 222 }]);
    await consumer.stop();
  });

  it('stop() stops polling and waits for running handlers (and their ack)', async () => {
    const { dss, bodies } = queueServer([delivery(1)]);
    const h = gatedHandler();
    const consumer = dss.queue.consumer('t', h.handler, { concurrency: 2, waitMs: 5000 });
    await jest.advanceTimersByTimeAsync(0);
    expect(bodies('/queue/consume')).toHaveLength(2); // m1, then a long poll for the free slot
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(20_000);
    expect(stopped).toBe(false);
    expect(h.open.get('m1')!.signal.aborted).toBe(false); // a graceful stop lets the handler finish
    h.open.get('m1')!.resolve();
    await stopping;
    expect(bodies('/queue/ack')).toHaveLength(1);
    expect(bodies('/queue/consume')).toHaveLength(2); // no poll after stop
    await expect(consumer.done).resolves.toBeUndefined();
  });

  it("aborts a handler's signal when an extend says its receipt went stale, and does not ack it", async () => {
    const { dss, bodies } = queueServer([delivery(1)], {
      extend: () => ({
        status: 409,
        body: { error: { code: 'STALE_RECEIPT', message: 'the receipt is no longer valid', receipt: 'rc1' } },
      }),
    });
    const h = gatedHandler();
    const consumer = dss.queue.consumer('t', h.handler, { visibilityMs: 3000, onError: () => undefined });
    await jest.advanceTimersByTimeAsync(1000);
    const { signal } = h.open.get('m1')!;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(StaleReceiptError);
    h.open.get('m1')!.resolve();
    await jest.advanceTimersByTimeAsync(5000);
    expect(bodies('/queue/extend')).toHaveLength(1);
    expect(bodies('/queue/ack')).toEqual([]);
    await consumer.stop();
  });

  it('reports a failed poll and keeps polling', async () => {
    const { dss, acked } = queueServer([delivery(1)], { consumeFails: 4 }); // one consume call = 4 attempts
    const errors: unknown[] = [];
    const consumer = dss.queue.consumer('t', async () => undefined, { onError: (e) => errors.push(e) });
    await jest.advanceTimersByTimeAsync(10);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(UnavailableError);
    expect(acked()).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(acked()).toEqual(['rc1']);
    await consumer.stop();
  });

  it('aborting opts.signal stops the consumer and aborts running handlers', async () => {
    const { dss } = queueServer([delivery(1)]);
    const h = gatedHandler();
    const controller = new AbortController();
    const consumer = dss.queue.consumer('t', h.handler, { signal: controller.signal, onError: () => undefined });
    await jest.advanceTimersByTimeAsync(0);
    const why = new Error('SIGTERM');
    controller.abort(why);
    expect(h.open.get('m1')!.signal.reason).toBe(why);
    h.open.get('m1')!.reject(why);
    await consumer.done;
    expect(consumer.stats.failed).toBe(1);
  });
});
