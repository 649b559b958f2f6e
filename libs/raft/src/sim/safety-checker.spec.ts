// Randomized safety checker: every seed is a different random fault schedule (see
// fuzz.ts). By default the fixed seeds 1..500 plus a window of WINDOW seeds that
// moves with every commit (chosen by the commit's hash), so each CI run hunts
// somewhere new. DSS_RAFT_SEEDS=n runs seeds 1..n instead; DSS_RAFT_SEED=n
// replays one. Long hunts: `npm run hunt:raft -- --from N --count M`.
import { execFileSync } from 'node:child_process';
import { fuzzSeed, type FuzzResult } from './fuzz.js';

const WINDOW = 100;
/** Window starts lie above the fixed seeds, below this. */
const WINDOW_SPAN = 10_000_000;

/** The moving window's first seed, from HEAD's hash; null outside a git checkout. */
function windowStart(): number | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return 1000 + (parseInt(head.slice(0, 12), 16) % WINDOW_SPAN);
  } catch {
    return null;
  }
}

function seedsFromEnv(): number[] {
  const one = process.env.DSS_RAFT_SEED;
  if (one !== undefined && one !== '') {
    const seed = Number(one);
    if (!Number.isSafeInteger(seed)) throw new Error(`DSS_RAFT_SEED must be an integer, got ${one}`);
    return [seed];
  }
  const count = Number(process.env.DSS_RAFT_SEEDS ?? 500);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`DSS_RAFT_SEEDS must be a positive integer`);
  const fixed = Array.from({ length: count }, (_, i) => i + 1);
  if (process.env.DSS_RAFT_SEEDS !== undefined) return fixed;
  const start = windowStart();
  if (start === null) {
    console.log('randomized safety checker: not a git checkout, so no moving window; fixed seeds only');
    return fixed;
  }
  console.log(`randomized safety checker: moving window ${start}..${start + WINDOW - 1} (from HEAD's hash)`);
  return [...fixed, ...Array.from({ length: WINDOW }, (_, i) => start + i)];
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
    expect(seeds.length).toBeGreaterThanOrEqual(500);
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
