// The cache comparison as a chart (a Vega-Lite spec; svg-chart.ts renders it):
// ops/s and p99 latency per workload, DSS beside Redis.
import type { TopLevelSpec } from 'vega-lite';
import type { CacheRun } from './cache-load.js';
import { sideBySide } from './chart-encodings.js';

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
  const { color, xOffset, x } = sideBySide(
    results.map((r) => r.system),
    { field: 'workload', title: 'workload' },
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    hconcat: [
      {
        width: 260,
        height: 220,
        mark: 'bar',
        encoding: {
          x,
          xOffset,
          y: { field: 'ops', type: 'quantitative', title: 'commands/s (higher is better)' },
          color,
        },
      },
      {
        width: 260,
        height: 220,
        mark: 'bar',
        encoding: {
          x,
          xOffset,
          y: { field: 'p99', type: 'quantitative', title: 'p99 latency, ms (lower is better)' },
          color,
        },
      },
    ],
  };
}
