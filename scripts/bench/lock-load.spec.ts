import { lockChartSpec } from './lock-chart.js';
import { lockLevel, medianOfRounds, type Locker, type LockLevel } from './lock-load.js';

/** A lock table in memory: try-lock semantics, so the workload's contention path runs. */
function memoryLocker(opts: { failEvery?: number } = {}): Locker & { acquired: number } {
  const held = new Map<string, number>();
  let calls = 0;
  const locker = {
    acquired: 0,
    async acquire(client: number, resource: string) {
      await new Promise((r) => setImmediate(r));
      if (opts.failEvery && ++calls % opts.failEvery === 0) throw new Error('boom');
      if (held.has(resource)) return false;
      held.set(resource, client);
      locker.acquired++;
      return true;
    },
    async release(client: number, resource: string) {
      await new Promise((r) => setImmediate(r));
      if (held.get(resource) !== client) throw new Error(`${client} does not hold ${resource}`);
      held.delete(resource);
    },
  };
  return locker;
}

describe('the lock benchmark workload', () => {
  it('counts measured pairs, contention and errors separately', async () => {
    // Two resources and eight clients: most acquires find the resource held and back off.
    const locker = memoryLocker();
    const level = await lockLevel(locker, { clients: 8, seconds: 0.3, warmupSeconds: 0.1, resources: 2, prefix: 't/' });
    expect(level.clients).toBe(8);
    expect(level.pairs).toBeGreaterThan(0);
    expect(level.contended).toBeGreaterThan(0);
    expect(level.errors).toBe(0);
    // The warm-up's pairs are done but not counted.
    expect(locker.acquired).toBeGreaterThan(level.pairs);
    expect(level.pairsPerSecond).toBeCloseTo(level.pairs / 0.3, 5);
    expect(level.p99Ms).toBeGreaterThanOrEqual(level.p50Ms);
  });

  it('counts a failed pair as an error, not as a pair', async () => {
    const level = await lockLevel(memoryLocker({ failEvery: 3 }), {
      clients: 2,
      seconds: 0.2,
      warmupSeconds: 0,
      resources: 100,
      prefix: 'e/',
    });
    expect(level.errors).toBeGreaterThan(0);
    expect(level.pairs).toBeGreaterThan(0);
  });

  it('charts both systems at every level', () => {
    const level = { clients: 1, pairsPerSecond: 100, p50Ms: 5, p99Ms: 9, pairs: 1000, errors: 0, contended: 0 };
    const spec = lockChartSpec(
      [
        { system: 'DSS', levels: [level, { ...level, clients: 16 }] },
        { system: 'etcd', levels: [level] },
      ],
      't',
    );
    expect(JSON.stringify(spec)).toContain('"system":"etcd"');
    expect('data' in spec && spec.data && 'values' in spec.data ? spec.data.values : []).toHaveLength(3);
  });

  it('summarizes rounds by their medians and sums their counts', () => {
    const round = (pairsPerSecond: number, p99Ms: number, errors: number): LockLevel => ({
      clients: 16,
      pairsPerSecond,
      p50Ms: pairsPerSecond / 100,
      p99Ms,
      pairs: 10,
      errors,
      contended: 1,
    });
    expect(medianOfRounds([round(500, 90, 0), round(100, 300, 2), round(700, 60, 1)])).toEqual({
      clients: 16,
      pairsPerSecond: 500,
      p50Ms: 5,
      p99Ms: 90,
      pairs: 30,
      errors: 3,
      contended: 3,
    });
    expect(medianOfRounds([round(400, 80, 0), round(600, 100, 0)]).pairsPerSecond).toBe(500);
    expect(() => medianOfRounds([])).toThrow(/no rounds/);
  });
});
