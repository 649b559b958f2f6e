// The lock comparison as a chart (a Vega-Lite spec; svg-chart.ts renders it):
// pairs per second and p99 latency per client level, DSS beside etcd.
import type { TopLevelSpec } from 'vega-lite';
import { throughputAndP99Spec } from './chart-encodings.js';
import type { LockLevel } from './lock-load.js';

export interface SystemLevels {
  readonly system: string;
  readonly levels: readonly LockLevel[];
}

export function lockChartSpec(results: readonly SystemLevels[], title: string): TopLevelSpec {
  const values = results.flatMap((r) =>
    r.levels.map((l) => ({
      system: r.system,
      clients: String(l.clients),
      pairs: Math.round(l.pairsPerSecond),
      p50: l.p50Ms,
      p99: l.p99Ms,
    })),
  );
  return throughputAndP99Spec({
    title,
    values,
    systems: results.map((r) => r.system),
    category: { field: 'clients', title: 'concurrent clients' },
    throughput: { field: 'pairs', title: 'acquire+release pairs/s (higher is better)' },
  });
}
