// Randomized safety checker: every seed is a different random fault schedule (see
// fuzz.ts). DSS_RAFT_SEEDS=n runs seeds 1..n (default 500); DSS_RAFT_SEED=n replays one.
import { fuzzSeed, type FuzzResult } from './fuzz.js';

function seedsFromEnv(): number[] {
  const one = process.env.DSS_RAFT_SEED;
  if (one !== undefined && one !== '') {
    const seed = Number(one);
    if (!Number.isSafeInteger(seed)) throw new Error(`DSS_RAFT_SEED must be an integer, got ${one}`);
    return [seed];
  }
  const count = Number(process.env.DSS_RAFT_SEEDS ?? 500);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`DSS_RAFT_SEEDS must be a positive integer`);
  return Array.from({ length: count }, (_, i) => i + 1);
}

const seeds = seedsFromEnv();
const CHUNK = 50;
const results: FuzzResult[] = [];

describe('randomized safety checker', () => {
  for (let i = 0; i < seeds.length; i += CHUNK) {
    const chunk = seeds.slice(i, i + CHUNK);
    it(`seeds ${chunk[0]}..${chunk[chunk.length - 1]}: safety at every step, liveness after healing`, () => {
      for (const seed of chunk) results.push(fuzzSeed(seed));
    });
  }

  it('the schedules really exercise the faults they claim to', () => {
    if (seeds.length < 100) return; // a single replayed seed proves nothing about coverage
    const sum = (f: (r: FuzzResult) => number): number => results.reduce((n, r) => n + f(r), 0);
    expect(results).toHaveLength(seeds.length);
    expect(sum((r) => r.crashes)).toBeGreaterThan(seeds.length);
    expect(sum((r) => r.snapshotsSent)).toBeGreaterThan(seeds.length / 10);
    expect(sum((r) => r.reads)).toBeGreaterThan(seeds.length);
    expect(sum((r) => r.leaders)).toBeGreaterThan(2 * seeds.length);
    expect(sum((r) => r.committed)).toBeGreaterThan(10 * seeds.length);
    expect(new Set(results.map((r) => r.size)).size).toBeGreaterThanOrEqual(4);
  });
});
