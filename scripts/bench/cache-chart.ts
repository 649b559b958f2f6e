// The cache comparison as a chart (a Vega-Lite spec; svg-chart.ts renders it):
// ops/s and p99 latency per workload, DSS beside Redis.
import type { TopLevelSpec } from 'vega-lite';
import type { CacheRun } from './cache-load.js';
import { throughputAndP99Spec } from './chart-encodings.js';

export interface SystemCacheRuns {
  readonly system: string;
  readonly runs: readonly CacheRun[];
}

export function cacheChartSpec(results: readonly SystemCacheRuns[], title: string): TopLevelSpec {
  const values = results.flatMap((r) =>
    r.runs.map((run) => ({
      system: r.system,
      workload: run.workload,
      ops: Math.round(run.opsPerSecond),
      p50: run.p50Ms,
      p99: run.p99Ms,
    })),
  );
  return throughputAndP99Spec({
    title,
    values,
    systems: results.map((r) => r.system),
    category: { field: 'workload', title: 'workload' },
    throughput: { field: 'ops', title: 'commands/s (higher is better)' },
  });
}
