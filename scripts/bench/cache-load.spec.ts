import { cacheChartSpec } from './cache-chart.js';
import {
  CACHE_WORKLOADS,
  cacheKey,
  cacheLoad,
  cacheValue,
  cacheWorkload,
  chunks,
  keyChunks,
  medianOfRounds,
  type CacheClient,
  type CacheRun,
  warmReads,
} from './cache-load.js';
import { cacheTableHeader, cacheTableRow, ms, ratio, redisBenchmarkTable } from './cache-table.js';

/** A key-value map behind the client interface, each reply a macrotask later (as a socket's would be). */
function memoryClient(
  store: Map<string, string>,
  opts: { failEvery?: number } = {},
): CacheClient & { calls: number; inFlight: number; maxInFlight: number } {
  const client = {
    calls: 0,
    inFlight: 0,
    maxInFlight: 0,
    async get(key: string) {
      return client.reply(() => store.get(key) ?? null);
    },
    async set(key: string, value: string) {
      return client.reply(() => (store.set(key, value), 'OK'));
    },
    async reply<T>(answer: () => T): Promise<T> {
      client.calls++;
      client.maxInFlight = Math.max(client.maxInFlight, ++client.inFlight);
      await new Promise((r) => setImmediate(r));
      client.inFlight--;
      if (opts.failEvery && client.calls % opts.failEvery === 0) throw new Error('boom');
      return answer();
    },
  };
  return client;
}

const run = (over: Partial<CacheRun>): CacheRun => ({
  workload: 'mix',
  connections: 64,
  opsPerSecond: 1000,
  p50Ms: 1.5,
  p99Ms: 3,
  ops: 10_000,
  gets: 9000,
  sets: 1000,
  misses: 0,
  errors: 0,
  errorSamples: [],
  clientCpuPct: 99,
  ...over,
});

describe('cache keys and values', () => {
  it('numbers keys under the run prefix and sizes values in bytes', () => {
    expect(cacheKey('bench:cache:r1:', 42)).toBe('bench:cache:r1:42');
    expect(cacheValue(100)).toHaveLength(100);
    expect(Buffer.byteLength(cacheValue(100))).toBe(100);
  });

  it('cuts the keys into pipelines of at most 1,000, every key once', () => {
    const c = keyChunks('p:', 2500);
    expect(c.map((x) => x.length)).toEqual([1000, 1000, 500]);
    expect(new Set(c.flat()).size).toBe(2500);
    expect(c[0]![0]).toBe('p:0');
    expect(c[2]!.at(-1)).toBe('p:2499');
    expect(chunks([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
    expect(keyChunks('p:', 0)).toEqual([]);
  });

  it('has the reference workloads: 90/10 and GET only', () => {
    expect(CACHE_WORKLOADS.map((w) => [w.id, w.getRatio])).toEqual([
      ['mix', 0.9],
      ['get', 1],
    ]);
    expect(cacheWorkload('get').label).toMatch(/GET/);
  });
});

describe('cacheLoad', () => {
  it('keeps one command in flight per client and measures only the window', async () => {
    const store = new Map(
      keyChunks('k:', 100)
        .flat()
        .map((k) => [k, cacheValue(10)] as const),
    );
    const clients = [memoryClient(store), memoryClient(store), memoryClient(store)];
    const r = await cacheLoad('mix', clients, {
      seconds: 0.3,
      warmupSeconds: 0.1,
      keys: 100,
      value: cacheValue(10),
      prefix: 'k:',
      getRatio: 0.9,
    });
    for (const c of clients) expect(c.maxInFlight).toBe(1);
    const calls = clients.reduce((n, c) => n + c.calls, 0);
    expect(r.ops).toBeGreaterThan(0);
    expect(r.ops).toBeLessThan(calls); // the warm-up's commands are not counted
    expect(r.gets + r.sets).toBe(r.ops);
    expect(r.gets / r.ops).toBeGreaterThan(0.8);
    expect(r.misses).toBe(0);
    expect(r.errors).toBe(0);
    expect(r.opsPerSecond).toBeCloseTo(r.ops / 0.3);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(r.clientCpuPct).toBeGreaterThan(0);
    expect(r.connections).toBe(3);
  });

  it('counts nil answers as misses and failures as errors, with samples', async () => {
    const client = memoryClient(new Map(), { failEvery: 5 });
    const r = await cacheLoad('get', [client], {
      seconds: 0.2,
      warmupSeconds: 0.05,
      keys: 10,
      value: 'v',
      prefix: 'none:',
      getRatio: 1,
    });
    expect(r.sets).toBe(0);
    expect(r.misses).toBe(r.gets);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.errorSamples[0]).toBe('boom');
    expect(r.errorSamples.length).toBeLessThanOrEqual(5);
  });
});

describe('warmReads', () => {
  it('reads every key exactly once through each client, several in flight', async () => {
    const store = new Map(
      keyChunks('w:', 250)
        .flat()
        .map((k) => [k, 'v'] as const),
    );
    const clients = [memoryClient(store), memoryClient(store), memoryClient(store)];
    const read = clients.map(() => new Map<string, number>());
    clients.forEach((c, i) => {
      const get = c.get.bind(c);
      c.get = (key: string) => (read[i]!.set(key, (read[i]!.get(key) ?? 0) + 1), get(key));
    });
    expect(await warmReads(clients, 'w:', 250, 16)).toBe(0);
    for (const r of read) {
      expect(r.size).toBe(250);
      expect([...r.values()].every((n) => n === 1)).toBe(true);
    }
    for (const c of clients) expect(c.maxInFlight).toBe(16);
  });

  it('answers how many keys came back nil', async () => {
    const store = new Map([['w:3', 'v']]);
    expect(await warmReads([memoryClient(store), memoryClient(store)], 'w:', 10)).toBe(18);
  });
});

describe('medianOfRounds', () => {
  it('takes the median of rates, latencies and CPU and sums the counts', () => {
    const m = medianOfRounds([
      run({ opsPerSecond: 100, p99Ms: 5, errors: 1, clientCpuPct: 90 }),
      run({ opsPerSecond: 300, p99Ms: 1, errors: 2, clientCpuPct: 100 }),
      run({ opsPerSecond: 200, p99Ms: 3, clientCpuPct: 95 }),
    ]);
    expect(m).toMatchObject({ opsPerSecond: 200, p99Ms: 3, errors: 3, ops: 30_000, clientCpuPct: 95 });
  });
});

describe('cache table', () => {
  it('prints both sides, the ratio, latencies, errors with nil answers, and the client CPU', () => {
    expect(cacheTableHeader(false)[0]).toBe(
      '| workload | DSS ops/s | Redis ops/s | ratio DSS/Redis | DSS p50 / p99 | Redis p50 / p99 | errors DSS / Redis | client CPU DSS / Redis |',
    );
    const row = cacheTableRow(
      'mix: 90% GET / 10% SET',
      run({ opsPerSecond: 19_500.4, p50Ms: 3.214, p99Ms: 12.34, misses: 7, clientCpuPct: 71.6 }),
      run({ opsPerSecond: 39_000, p50Ms: 1.6, p99Ms: 3.19 }),
    );
    expect(row).toBe(
      '| mix: 90% GET / 10% SET | 19,500 | 39,000 | 0.50 | 3.21 / 12.3 ms | 1.60 / 3.19 ms | 0 (+7 nil) / 0 | 72% / 99% |',
    );
  });

  it('leaves a side that did not run as –, and lists each round ratio', () => {
    expect(cacheTableRow('get', undefined, run({}))).toBe(
      '| get | – | 1,000 | – | – | 1.50 / 3.00 ms | – / 0 | – / 99% |',
    );
    expect(cacheTableHeader(true)[1]).toBe('|---|---|---|---|---|---|---|---|---|');
    const row = cacheTableRow('get', run({}), run({}), {
      dss: [run({ opsPerSecond: 500 }), run({ opsPerSecond: 1500 })],
      redis: [run({}), run({})],
    });
    expect(row.endsWith('| 0.50, 1.50 |')).toBe(true);
  });

  it('formats latencies by size and refuses a ratio over nothing', () => {
    expect([ms(0.613), ms(12.34), ms(1234.5), ms(NaN), ms(undefined)]).toEqual(['0.61', '12.3', '1,235', '–', '–']);
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(3, 2)).toBe(1.5);
  });

  it("puts redis-benchmark's tests side by side", () => {
    const lines = redisBenchmarkTable(
      [
        { test: 'SET', rps: 20_000, p50Ms: 1.2, p99Ms: 2.5 },
        { test: 'GET', rps: 25_000, p50Ms: 1, p99Ms: 2 },
      ],
      [
        { test: 'SET', rps: 40_000, p50Ms: 0.7, p99Ms: 1.1 },
        { test: 'GET', rps: 50_000 },
        { test: 'INCR', rps: 45_000, p50Ms: 0.7, p99Ms: 1.1 },
      ],
    );
    expect(lines).toEqual([
      '| test | DSS ops/s | Redis ops/s | ratio DSS/Redis | DSS p50 / p99 | Redis p50 / p99 |',
      '|---|---|---|---|---|---|',
      '| SET | 20,000 | 40,000 | 0.50 | 1.20 / 2.50 ms | 0.70 / 1.10 ms |',
      '| GET | 25,000 | 50,000 | 0.50 | 1.00 / 2.00 ms | – |',
      '| INCR | – | 45,000 | – | – | 0.70 / 1.10 ms |',
    ]);
  });
});

describe('cacheChartSpec', () => {
  it('charts ops/s and p99 per workload, DSS first', () => {
    const spec = cacheChartSpec(
      [
        { system: 'DSS', runs: [run({ opsPerSecond: 1234.4 })] },
        { system: 'Redis 7.0.15', runs: [run({})] },
      ],
      't',
    ) as { data: { values: { system: string; ops: number }[] }; hconcat: unknown[] };
    expect(spec.data.values.map((v) => [v.system, v.ops])).toEqual([
      ['DSS', 1234],
      ['Redis 7.0.15', 1000],
    ]);
    expect(spec.hconcat).toHaveLength(2);
  });
});
