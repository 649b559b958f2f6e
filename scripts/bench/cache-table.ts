// The cache comparison's markdown tables: the ioredis workloads (DSS beside
// Redis, with every round's ratio when there were several) and
// redis-benchmark's tests against one DSS node and against Redis.
import type { CacheRun } from './cache-load.js';
import type { RedisBenchmarkResult } from './redis-benchmark.js';

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
/** Latency: two decimals below 10 ms, one below 100, whole milliseconds above. */
export const ms = (n: number | undefined): string =>
  n === undefined || Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : f0(n);
const fr = (r: number | undefined) => (r === undefined || !Number.isFinite(r) ? '–' : r.toFixed(2));
const pct = (n: number) => (Number.isNaN(n) ? '–' : `${Math.round(n)}%`);

/** DSS's rate over Redis', undefined when Redis did nothing. */
export const ratio = (dss: number, redis: number): number | undefined => (redis > 0 ? dss / redis : undefined);

export const CACHE_LEGEND =
  'errors: failed commands, warm-up included (+ GETs answered nil, none expected: every key was preloaded); client CPU: the load generator (this Node process) over the measured window, % of one core (about 100% means the client, not the server, is the limit)';

export function cacheTableHeader(perRound: boolean): string[] {
  return [
    `| workload | DSS ops/s | Redis ops/s | ratio DSS/Redis | DSS p50 / p99 | Redis p50 / p99 | errors DSS / Redis | client CPU DSS / Redis |${perRound ? ' ratio per round |' : ''}`,
    `|---|---|---|---|---|---|---|---|${perRound ? '---|' : ''}`,
  ];
}

const errors = (r: CacheRun | undefined) => (r ? `${r.errors}${r.misses > 0 ? ` (+${r.misses} nil)` : ''}` : '–');

/**
 * One workload: each side's figures (medians when there were rounds), `–` for
 * a side that did not run; with `rounds` (each side's runs, in round order) a
 * last column with every round's ratio.
 */
export function cacheTableRow(
  label: string,
  dss: CacheRun | undefined,
  redis: CacheRun | undefined,
  rounds?: { dss: readonly CacheRun[]; redis: readonly CacheRun[] },
): string {
  const lat = (r?: CacheRun) => (r ? `${ms(r.p50Ms)} / ${ms(r.p99Ms)} ms` : '–');
  const rate = (r?: CacheRun) => (r ? f0(r.opsPerSecond) : '–');
  const cpu = (r?: CacheRun) => (r ? pct(r.clientCpuPct) : '–');
  const perRound = rounds
    ? ` ${rounds.dss.map((d, i) => fr(rounds.redis[i] && ratio(d.opsPerSecond, rounds.redis[i].opsPerSecond))).join(', ')} |`
    : '';
  return `| ${label} | ${rate(dss)} | ${rate(redis)} | ${dss && redis ? fr(ratio(dss.opsPerSecond, redis.opsPerSecond)) : '–'} | ${lat(dss)} | ${lat(redis)} | ${errors(dss)} / ${errors(redis)} | ${cpu(dss)} / ${cpu(redis)} |${perRound}`;
}

/** redis-benchmark's tests, DSS's and Redis' figures side by side (in the order redis-benchmark ran them). */
export function redisBenchmarkTable(
  dss: readonly RedisBenchmarkResult[] | undefined,
  redis: readonly RedisBenchmarkResult[] | undefined,
): string[] {
  const tests = [...new Set([...(dss ?? []), ...(redis ?? [])].map((r) => r.test))];
  const lines = [
    '| test | DSS ops/s | Redis ops/s | ratio DSS/Redis | DSS p50 / p99 | Redis p50 / p99 |',
    '|---|---|---|---|---|---|',
  ];
  for (const test of tests) {
    const d = dss?.find((r) => r.test === test);
    const r = redis?.find((x) => x.test === test);
    const lat = (x?: RedisBenchmarkResult) =>
      x && (x.p50Ms !== undefined || x.p99Ms !== undefined) ? `${ms(x.p50Ms)} / ${ms(x.p99Ms)} ms` : '–';
    lines.push(
      `| ${test} | ${d ? f0(d.rps) : '–'} | ${r ? f0(r.rps) : '–'} | ${d && r ? fr(ratio(d.rps, r.rps)) : '–'} | ${lat(d)} | ${lat(r)} |`,
    );
  }
  return lines;
}
