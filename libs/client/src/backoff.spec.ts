import { fullJitterDelay, sleep } from './backoff.js';
import { seededRandom } from './fake-fetch.test-kit.js';

describe('fullJitterDelay', () => {
  it('stays in [0, min(cap, base * 2^(n-1))) and is spread over it', () => {
    const random = seededRandom(7);
    for (const [retry, ceiling] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1000],
      [9, 1000],
    ] as const) {
      const delays = Array.from({ length: 200 }, () => fullJitterDelay(retry, 100, 1000, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.9); // full jitter: not just a fraction of it
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.1);
    }
  });

  it('is reproducible with a seeded random', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    expect([1, 2, 3].map((n) => fullJitterDelay(n, 100, 2000, a))).toEqual(
      [1, 2, 3].map((n) => fullJitterDelay(n, 100, 2000, b)),
    );
  });
});

describe('sleep', () => {
  it("rejects with the signal's reason as soon as it aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(sleep(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
