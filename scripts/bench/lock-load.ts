// The lock workload of the side-by-side comparison (docs/benchmarks.md), for
// any lock service behind a Locker: C clients, each acquiring and releasing
// an exclusive lock on a random one of R resources, as fast as it can. A
// try-lock that finds the resource held backs off 1-5 ms and tries again
// (counted as contended, not as an error). Only pairs that start after the
// warm-up and end before the deadline are measured.
import { overRounds, percentile } from './stats.js';

export interface Locker {
  /** Try-lock: true when `client` now holds `resource`, false when someone else does. */
  acquire(client: number, resource: string): Promise<boolean>;
  release(client: number, resource: string): Promise<void>;
}

export interface LockLevel {
  readonly clients: number;
  readonly pairsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly pairs: number;
  readonly errors: number;
  readonly contended: number;
}

export interface LockLoadOptions {
  readonly clients: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly resources: number;
  /** Distinguishes this run's resources from any other run's. */
  readonly prefix: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function lockLevel(locker: Locker, o: LockLoadOptions): Promise<LockLevel> {
  const latencies: number[] = [];
  let errors = 0;
  let contended = 0;
  const start = performance.now() + o.warmupSeconds * 1000;
  const end = start + o.seconds * 1000;
  const client = async (id: number): Promise<void> => {
    while (performance.now() < end) {
      const resource = `${o.prefix}${Math.floor(Math.random() * o.resources)}`;
      const began = performance.now();
      try {
        while (!(await locker.acquire(id, resource))) {
          contended++;
          await sleep(1 + Math.random() * 4);
        }
        await locker.release(id, resource);
        const done = performance.now();
        if (began >= start && done <= end) latencies.push(done - began);
      } catch {
        errors++;
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, id) => client(id)));
  latencies.sort((a, b) => a - b);
  return {
    clients: o.clients,
    pairsPerSecond: latencies.length / o.seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    pairs: latencies.length,
    errors,
    contended,
  };
}

/**
 * One level's figures over several rounds: the median of each rate and
 * percentile (a round that a noisy neighbour slowed does not move it), the
 * sums of the counts.
 */
export function medianOfRounds(rounds: readonly LockLevel[]): LockLevel {
  const { median, sum } = overRounds(rounds);
  return {
    clients: rounds[0]!.clients,
    pairsPerSecond: median((l) => l.pairsPerSecond),
    p50Ms: median((l) => l.p50Ms),
    p99Ms: median((l) => l.p99Ms),
    pairs: sum((l) => l.pairs),
    errors: sum((l) => l.errors),
    contended: sum((l) => l.contended),
  };
}
