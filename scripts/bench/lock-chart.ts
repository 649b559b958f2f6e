// The lock comparison as a chart (a Vega-Lite spec; svg-chart.ts renders it):
// pairs per second and p99 latency per client level, DSS beside etcd.
import type { TopLevelSpec } from 'vega-lite';
import { sideBySide } from './chart-encodings.js';
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
  const { color, xOffset, x } = sideBySide(
    results.map((r) => r.system),
    { field: 'clients', title: 'concurrent clients' },
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
          y: { field: 'pairs', type: 'quantitative', title: 'acquire+release pairs/s (higher is better)' },
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
