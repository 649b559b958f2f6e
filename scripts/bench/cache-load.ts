// The cache workloads of the side-by-side comparison (docs/benchmarks.md), the
// method of the reference script redis-get-bench.mjs: one loop per
// connection, each with one command in flight, GET or SET of a random one of
// K preloaded keys; only commands that start after the warm-up and end
// before the deadline are measured (ops/s = those / the measured seconds);
// latencies go into a plain array and are sorted once at the end. Any client
// with get/set fits (ioredis' Redis does), so the loop is tested without a
// server.
import { overRounds, percentile } from './stats.js';

export type CacheWorkloadId = 'mix' | 'get';

export interface CacheWorkload {
  readonly id: CacheWorkloadId;
  readonly label: string;
  /** Share of the commands that are GETs; the rest are SETs. */
  readonly getRatio: number;
}

export const CACHE_WORKLOADS: readonly CacheWorkload[] = [
  { id: 'mix', label: 'mix: 90% GET / 10% SET', getRatio: 0.9 },
  { id: 'get', label: 'get: GET hits only', getRatio: 1 },
];

export function cacheWorkload(id: CacheWorkloadId): CacheWorkload {
  const w = CACHE_WORKLOADS.find((x) => x.id === id);
  if (!w) throw new Error(`no cache workload ${id}`);
  return w;
}

/** The key of the i-th of a run's keys. */
export const cacheKey = (prefix: string, i: number): string => `${prefix}${i}`;

/** A value of `bytes` ASCII bytes, as the reference's 'v'.repeat(100). */
export const cacheValue = (bytes: number): string => 'v'.repeat(bytes);

/** `items` in chunks of at most `size` (one preload pipeline or one DEL each). */
export function chunks<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A run's keys, 0..count-1, in chunks of at most `size`. */
export const keyChunks = (prefix: string, count: number, size = 1000): string[][] =>
  chunks(
    Array.from({ length: count }, (_, i) => cacheKey(prefix, i)),
    size,
  );

/** What a loop needs of a connection (ioredis' Redis has both). */
export interface CacheClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
}

/** Commands in flight per client during the warm pass (ioredis pipelines them on its one socket). */
export const WARM_READS_IN_FLIGHT = 64;

/**
 * Reads every key once through each of `clients` (one per server), before the measured
 * run. A DSS node caches a line when it first reads it: the preload writes through one
 * node only, and 64 connections picking keys at random need many times the key count to
 * touch every key on every node, so a few seconds of warm-up would leave the "GET hits"
 * window mostly first reads (misses that fetch from a peer or Redis). Redis gets the same
 * pass. Answers the GETs that found nothing (0 expected: every key was preloaded).
 */
export async function warmReads(
  clients: readonly CacheClient[],
  prefix: string,
  keys: number,
  inFlight = WARM_READS_IN_FLIGHT,
): Promise<number> {
  let misses = 0;
  const readAll = async (c: CacheClient): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys) if ((await c.get(cacheKey(prefix, next++))) === null) misses++;
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, keys) }, worker));
  };
  await Promise.all(clients.map(readAll));
  return misses;
}

export interface CacheLoadOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly keys: number;
  readonly value: string;
  readonly prefix: string;
  readonly getRatio: number;
}

export interface CacheRun {
  readonly workload: CacheWorkloadId;
  readonly connections: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Measured commands (inside the window). */
  readonly ops: number;
  readonly gets: number;
  readonly sets: number;
  /** GETs answered with nil (every key was preloaded, so none are expected). */
  readonly misses: number;
  /** Failed commands, warm-up included (as the reference counts them). */
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** CPU of this process (the load generator) over the measured window, % of one core. */
  readonly clientCpuPct: number;
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** One loop per client, each awaiting its own command before the next (no pipelining). */
export async function cacheLoad(
  workload: CacheWorkloadId,
  clients: readonly CacheClient[],
  o: CacheLoadOptions,
): Promise<CacheRun> {
  const latencies: number[] = [];
  let gets = 0;
  let sets = 0;
  let misses = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const start = performance.now() + o.warmupSeconds * 1000;
  const end = start + o.seconds * 1000;
  // The client's CPU over the measured window, sampled on timers as the reference does.
  let cpuAtStart: number | undefined;
  let cpuAtEnd: number | undefined;
  const timers = [
    setTimeout(() => (cpuAtStart = cpuSeconds()), o.warmupSeconds * 1000),
    setTimeout(() => (cpuAtEnd = cpuSeconds()), (o.warmupSeconds + o.seconds) * 1000),
  ];
  const loop = async (c: CacheClient): Promise<void> => {
    while (performance.now() < end) {
      const key = cacheKey(o.prefix, Math.floor(Math.random() * o.keys));
      const isGet = Math.random() < o.getRatio;
      const began = performance.now();
      try {
        let hit = true;
        if (isGet) hit = (await c.get(key)) !== null;
        else await c.set(key, o.value);
        const done = performance.now();
        if (began >= start && done <= end) {
          latencies.push(done - began);
          if (isGet) gets++;
          else sets++;
          if (!hit) misses++;
        }
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(clients.map(loop));
  cpuAtEnd ??= cpuSeconds();
  for (const t of timers) clearTimeout(t);
  const sorted = Float64Array.from(latencies).sort();
  return {
    workload,
    connections: clients.length,
    opsPerSecond: sorted.length / o.seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ops: sorted.length,
    gets,
    sets,
    misses,
    errors,
    errorSamples,
    clientCpuPct: cpuAtStart === undefined ? NaN : ((cpuAtEnd - cpuAtStart) / o.seconds) * 100,
  };
}

/**
 * One workload's figures over several rounds: the median of each rate,
 * percentile and CPU share, the sums of the counts.
 */
export function medianOfRounds(rounds: readonly CacheRun[]): CacheRun {
  const { median, sum } = overRounds(rounds);
  return {
    workload: rounds[0]!.workload,
    connections: rounds[0]!.connections,
    opsPerSecond: median((r) => r.opsPerSecond),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    ops: sum((r) => r.ops),
    gets: sum((r) => r.gets),
    sets: sum((r) => r.sets),
    misses: sum((r) => r.misses),
    errors: sum((r) => r.errors),
    errorSamples: rounds.flatMap((r) => r.errorSamples).slice(0, 5),
    clientCpuPct: median((r) => r.clientCpuPct),
  };
}
