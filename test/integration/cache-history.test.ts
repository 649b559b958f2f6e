import { Redis } from 'ioredis';
import { checkLinearizable, dumpHistory, HistoryRecorder, registerModel } from '../support/history/index.js';
import { Prng } from '../support/prng.js';
import { eventually, getJson, requestJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// Clients on all three cache nodes, half over HTTP and half over the Redis
// protocol, read, write and delete a few keys at once, swap values (SET … GET)
// and add to a counter (INCRBY, POST /incr); the recorded history must be
// linearizable per key (one register each; a delete writes null, a 404 or a nil
// reads null; the counter holds decimal strings). The checker is Wing & Gong
// with Lowe's memoisation (test/support/history), which its own tests show
// catching a planted stale read. DSS_CACHE_HISTORY_SECONDS changes the
// duration (30 s by default); DSS_CACHE_HISTORY_SEED the random choices.

const SECONDS = Number(process.env.DSS_CACHE_HISTORY_SECONDS ?? 30);
const SEED = Number(process.env.DSS_CACHE_HISTORY_SEED ?? 6);
const CLIENTS = 9;
const KEYS = ['k1', 'k2', 'k3', 'k4'];
const COUNTER = 'n1';
const NODES = ['node1', 'node2', 'node3'];
type Protocol = 'http' | 'resp';
/** Client i speaks HTTP when i is even, the Redis protocol when odd: every node gets both. */
const protocolOf = (id: number): Protocol => (id % 2 === 0 ? 'http' : 'resp');

describe('cache history', () => {
  jest.setTimeout((SECONDS + 120) * 1000);
  // A small cache and a fast flush keep evictions and write-backs in the mix.
  const cluster = new TestCluster(testPortOffset() + 70, {
    DSS_CACHE_MAX_ENTRIES: '2',
    DSS_CACHE_FLUSH_INTERVAL_MS: '200',
  });
  const url = (node: string, key: string) => `${cluster.url('cache', node)}/cache/${key}`;
  const respPort = (node: string) => cluster.cluster.nodes.find((n) => n.id === node)!.ports.cache!.resp!;
  const connections: Redis[] = [];

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await cluster.dispose();
  });

  it(`is linearizable per key (${CLIENTS} clients on 3 nodes over HTTP and RESP, ${KEYS.length} keys and a counter, ${SECONDS} s)`, async () => {
    const recorder = new HistoryRecorder();
    const deadline = Date.now() + SECONDS * 1000;
    const counts = { read: 0, write: 0, delete: 0, getset: 0, incr: 0, unknown: 0, http: 0, resp: 0 };
    type Handle = ReturnType<HistoryRecorder['invoke']>;

    const unknown = (h: Handle, why: string) => {
      recorder.unknown(h, why);
      counts.unknown++;
    };

    /** One client's operations, as the HTTP API or a Redis client performs them. */
    interface Ops {
      read(key: string): Promise<unknown>;
      write(key: string, value: string | null): Promise<void>;
      getset(key: string, value: string): Promise<unknown>;
      incr(key: string, by: number): Promise<number>;
    }
    const httpOps = (node: string): Ops => ({
      async read(key) {
        const res = await requestJson<{ value: unknown }>('GET', url(node, key));
        if (res.status === 404) return null;
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        return res.body.value;
      },
      async write(key, value) {
        const res =
          value === null
            ? await requestJson('DELETE', url(node, key))
            : await requestJson('PUT', url(node, key), { value });
        if (res.status !== 200 && !(value === null && res.status === 404)) throw new Error(`HTTP ${res.status}`);
      },
      getset: () => Promise.reject(new Error('HTTP has no getset')),
      async incr(key, by) {
        const res = await requestJson<{ value: number }>('POST', `${url(node, key)}/incr`, { by });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        return res.body.value;
      },
    });
    const respOps = (c: Redis): Ops => ({
      read: (key) => c.get(key),
      async write(key, value) {
        if (value === null) await c.del(key);
        else await c.set(key, value);
      },
      getset: (key, value) => c.set(key, value, 'GET'),
      incr: (key, by) => c.incrby(key, by),
    });

    const client = async (id: number) => {
      const rng = new Prng(SEED * 1000 + id);
      const random = () => rng.next();
      const node = NODES[id % NODES.length]!;
      const protocol = protocolOf(id);
      let ops: Ops;
      if (protocol === 'http') ops = httpOps(node);
      else {
        const c = new Redis({
          port: respPort(node),
          host: '127.0.0.1',
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          lazyConnect: true,
        });
        connections.push(c);
        await c.connect();
        ops = respOps(c);
      }
      const run = async (
        op: string,
        args: { key: string; value?: string | null; by?: number },
        act: () => Promise<unknown>,
      ) => {
        const h = recorder.invoke(id, op, args);
        try {
          const value = await act();
          recorder.complete(h, 'ok', value);
        } catch (err) {
          unknown(h, err instanceof Error ? err.message : String(err));
        }
        counts[protocol]++;
      };
      for (let n = 0; Date.now() < deadline; n++) {
        const roll = random();
        if (random() < 0.2) {
          // The counter: reads, increments, and now and then a plain write of a number.
          if (roll < 0.4) await run('read', { key: COUNTER }, () => ops.read(COUNTER));
          else if (roll < 0.9) {
            const by = 1 + Math.floor(random() * 5);
            await run('incr', { key: COUNTER, by }, () => ops.incr(COUNTER, by));
            counts.incr++;
          } else {
            const value = String(n * 1000);
            await run('write', { key: COUNTER, value }, () => ops.write(COUNTER, value));
          }
          continue;
        }
        const key = KEYS[Math.floor(random() * KEYS.length)]!;
        if (roll < 0.55) {
          await run('read', { key }, () => ops.read(key));
          counts.read++;
        } else if (protocol === 'resp' && roll < 0.7) {
          const value = `c${id}-${n}`;
          await run('getset', { key, value }, () => ops.getset(key, value));
          counts.getset++;
        } else {
          // A delete is a write of null (a later read answers 404 or nil).
          const value = roll < 0.93 ? `c${id}-${n}` : null;
          await run('write', { key, value }, () => ops.write(key, value).then(() => undefined));
          counts[value === null ? 'delete' : 'write']++;
        }
        if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 5)));
      }
    };

    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const history = recorder.history();
    const result = checkLinearizable(history, registerModel(null), { maxSteps: 5_000_000 });
    if (!result.ok) process.stderr.write(`history written to ${dumpHistory(history, 'cache-history')}\n`);
    expect(result.message).toBe(`register: linearizable (${KEYS.length + 1} partitions)`);
    // The same checker on this very history rejects one planted stale read: a
    // read after everything ended that returns a value overwritten long before.
    const firstWrite = history.find(
      (op) => op.op === 'write' && op.outcome === 'ok' && (op.args as { value: unknown }).value !== null,
    )!;
    const end = Math.max(...history.map((op) => op.completedAt ?? op.invokedAt));
    const stale = {
      index: history.length,
      process: 'planted',
      op: 'read',
      args: firstWrite.args,
      invokedAt: end + 1,
      completedAt: end + 2,
      outcome: 'ok' as const,
      value: (firstWrite.args as { value: unknown }).value,
    };
    expect(
      checkLinearizable(
        [...history, { ...stale, args: { key: (firstWrite.args as { key: string }).key } }],
        registerModel(null),
        { maxSteps: 5_000_000 },
      ).status,
    ).toBe('violation');
    // The run must have exercised what it claims to, with coherence traffic and write-backs.
    expect(counts.read).toBeGreaterThan(SECONDS * 50);
    expect(counts.write).toBeGreaterThan(SECONDS * 30);
    expect(counts.getset).toBeGreaterThan(SECONDS * 5);
    expect(counts.incr).toBeGreaterThan(SECONDS * 10);
    expect(counts.resp).toBeGreaterThan(SECONDS * 50);
    expect(counts.http).toBeGreaterThan(SECONDS * 50);
    expect(counts.unknown).toBe(0);
    const metrics = await (await fetch(`${cluster.url('cache', 'node1')}/metrics`)).text();
    expect(metrics).toMatch(/dss_cache_forwards_sent_total\{kind="invalidate"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/dss_cache_write_backs_total\{reason="evict",outcome="ok"[^}]*\} [1-9]/);
    process.stdout.write(
      `cache history: ${history.length} ops (${counts.http} over HTTP, ${counts.resp} over RESP; ${counts.read} reads, ${counts.write} writes, ${counts.getset} getsets, ${counts.incr} increments, ${counts.delete} deletes, ${counts.unknown} unknown), seed ${SEED}\n`,
    );
    for (const node of NODES)
      await eventually(async () => (await getJson(`${cluster.url('cache', node)}/ready`)).status === 200, 10_000, 200);
  });
});
