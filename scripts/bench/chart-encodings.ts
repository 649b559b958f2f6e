// What every comparison chart shares (lock, queue and cache specs): one bar per system side by
// side in each category, DSS first and blue whatever the other side is called (a plain scale
// would sort the names). Apart from svg-chart.ts, which loads the ESM-only vega.
import type { TopLevelSpec } from 'vega-lite';

export function sideBySide(systems: readonly string[], category: { readonly field: string; readonly title: string }) {
  const order: string[] = [...systems];
  return {
    color: {
      field: 'system',
      type: 'nominal' as const,
      title: null,
      sort: order,
      scale: { domain: order, range: ['#4c78a8', '#f58518'] },
    },
    xOffset: { field: 'system', sort: order },
    x: { field: category.field, type: 'ordinal' as const, title: category.title, sort: null, axis: { labelAngle: 0 } },
  };
}

interface Axis {
  readonly field: string;
  readonly title: string;
}

/**
 * The lock and cache charts: per category, a throughput panel (higher is better) beside
 * a p99 latency panel (lower is better), one bar per system.
 */
export function throughputAndP99Spec(chart: {
  readonly title: string;
  readonly values: readonly object[];
  readonly systems: readonly string[];
  readonly category: Axis;
  readonly throughput: Axis;
}): TopLevelSpec {
  const { color, xOffset, x } = sideBySide(chart.systems, chart.category);
  const panel = (y: Axis) => ({
    width: 260,
    height: 220,
    mark: 'bar' as const,
    encoding: { x, xOffset, y: { field: y.field, type: 'quantitative' as const, title: y.title }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.title,
    data: { values: [...chart.values] },
    hconcat: [panel(chart.throughput), panel({ field: 'p99', title: 'p99 latency, ms (lower is better)' })],
  };
}
