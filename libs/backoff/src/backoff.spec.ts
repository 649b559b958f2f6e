import { Prng } from '@dss/prng';
import { backoff, backoffDelay, sleep, type BackoffPolicy } from './backoff.js';

const exact: BackoffPolicy = { baseMs: 20, maxMs: 250, jitter: 'none' };
const jittered: BackoffPolicy = { baseMs: 100, maxMs: 1000, jitter: 'full' };

describe('backoffDelay', () => {
  it('doubles from the base up to the cap without jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 30].map((n) => backoffDelay(exact, n))).toEqual([20, 40, 80, 160, 250, 250, 250]);
    // Retry 0 (or a negative count) waits like the first retry rather than less.
    expect(backoffDelay(exact, 0)).toBe(20);
    expect(backoffDelay(exact, -3)).toBe(20);
  });

  it('stays in [0, min(cap, base * 2^(n-1))) with full jitter and is spread over it', () => {
    const prng = new Prng(7);
    const random = () => prng.next();
    for (const [retry, ceiling] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1000],
      [9, 1000],
    ] as const) {
      const delays = Array.from({ length: 200 }, () => backoffDelay(jittered, retry, random));
      expect(delays.every((d) => Number.isInteger(d))).toBe(true);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.9); // full jitter: not just a fraction of it
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.1);
    }
  });

  it('is reproducible with a seeded random', () => {
    const a = new Prng(1);
    const b = new Prng(1);
    expect([1, 2, 3].map((n) => backoffDelay(jittered, n, () => a.next()))).toEqual(
      [1, 2, 3].map((n) => backoffDelay(jittered, n, () => b.next())),
    );
  });
});

describe('sleep and backoff', () => {
  it('waits for the delay', async () => {
    const started = performance.now();
    await sleep(30);
    await backoff(exact, 1); // 20 ms
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("rejects with the signal's reason as soon as it aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = backoff({ baseMs: 10_000, maxMs: 10_000, jitter: 'none' }, 1, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(sleep(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
