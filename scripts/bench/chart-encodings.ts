// What every comparison chart shares (lock, queue and cache specs): one bar per system side by
// side in each category, DSS first and blue whatever the other side is called (a plain scale
// would sort the names). Apart from svg-chart.ts, which loads the ESM-only vega.

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
