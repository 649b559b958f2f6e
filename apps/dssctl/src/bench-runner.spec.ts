import { errorCode, runBench, summarizeLatencies } from './bench-runner.js';

describe('runBench', () => {
  it('runs every worker until the duration is over, timing each call and counting errors by code', async () => {
    const workers = new Set<number>();
    const summary = await runBench(
      { workload: 't', description: 'd', durationMs: 150, concurrency: 4 },
      async (worker, i, timed) => {
        workers.add(worker);
        await timed(() => new Promise((r) => setTimeout(r, 1)));
        if (i % 3 === 2) await timed(() => Promise.reject(Object.assign(new Error('held'), { code: 'LOCKED' })));
        if (i % 5 === 4) await timed(() => Promise.reject(new TypeError('bug')));
      },
    );
    expect([...workers].sort()).toEqual([0, 1, 2, 3]);
    expect(summary.ops).toBeGreaterThan(20);
    expect(summary.errors).toBe(summary.errorsByCode.LOCKED! + summary.errorsByCode.TypeError!);
    expect(summary.errorsByCode.LOCKED).toBeGreaterThan(0);
    expect(summary.elapsedS).toBeGreaterThanOrEqual(0.15);
    expect(summary.elapsedS).toBeLessThan(1);
    // elapsedS is rounded to the millisecond, opsPerSec computed before that: within 2%.
    expect(Math.abs(summary.opsPerSec - summary.ops / summary.elapsedS) / summary.opsPerSec).toBeLessThan(0.02);
    expect(summary.latencyMs!.p50).toBeGreaterThanOrEqual(0.5);
    expect(summary.interrupted).toBe(false);
  });

  it('stops early on the signal, without counting the calls it cut short as errors', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const started = Date.now();
    const summary = await runBench(
      { workload: 't', description: 'd', durationMs: 10_000, concurrency: 2, signal: ctl.signal },
      async (_w, _i, timed) => {
        await timed(
          (signal) =>
            new Promise((resolve, reject) => {
              const t = setTimeout(resolve, 5);
              signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))), { once: true });
            }),
        );
      },
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(summary.interrupted).toBe(true);
    expect(summary.errors).toBe(0);
    expect(summary.ops).toBeGreaterThan(0);
  });

  it('reports progress while running', async () => {
    const seen: number[] = [];
    await runBench(
      {
        workload: 't',
        description: 'd',
        durationMs: 120,
        concurrency: 1,
        tickMs: 20,
        onProgress: (p) => seen.push(p.ops),
      },
      (_w, _i, timed) => timed(() => new Promise((r) => setTimeout(r, 2))).then(() => undefined),
    );
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('latency summary', () => {
  it('gives nearest-rank percentiles, the max and the mean', () => {
    const ms = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(summarizeLatencies(ms)).toEqual({ p50: 51, p95: 96, p99: 100, max: 100, mean: 50.5 });
    expect(summarizeLatencies([])).toBeNull();
  });

  it('names errors by code, else by class', () => {
    expect(errorCode(Object.assign(new Error('x'), { code: 'UNAVAILABLE' }))).toBe('UNAVAILABLE');
    expect(errorCode(new RangeError('x'))).toBe('RangeError');
    expect(errorCode(new Error('x'))).toBe('UNEXPECTED');
    expect(errorCode('x')).toBe('UNEXPECTED');
  });
});
