// Jepsen-style charts of a run, one SVG per service: operations per second
// that succeeded and that failed, and latency (per-second p50 and p99, log
// scale), over time, with every fault window shaded and labelled. The spec
// (Vega-Lite) is built here as plain data; rendering runs vega in a child
// process (render-svg.mjs) because vega is ESM-only and jest, which runs the
// chaos suite, loads everything as CommonJS (test/support/jest-transform.cjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import type { HistoryOp } from '../../support/history/index.js';
import type { AvailabilityReport } from './availability.js';
import { CLASSIFIERS, isSuccess } from './classify.js';
import type { Service } from './targets.js';

export type Series = 'ok' | 'failed';

export interface ChartData {
  /** Ops invoked in each second [t, t + 1) of the run, by outcome; zeros included so an outage shows as a drop. */
  readonly rates: readonly { readonly t: number; readonly series: Series; readonly n: number }[];
  /** Latency (invocation to answer or give-up) of the ops invoked in each second, by outcome: p50 and p99. */
  readonly latency: readonly {
    readonly t: number;
    readonly series: Series;
    readonly quantile: 'p50' | 'p99';
    readonly ms: number;
  }[];
  readonly faults: readonly {
    readonly step: number;
    readonly kind: string;
    readonly label: string;
    readonly start: number;
    readonly end: number;
  }[];
  /** Length of the run's faulty phase in seconds: the x axis. */
  readonly seconds: number;
}

const SERIES: readonly Series[] = ['ok', 'failed'];
/** Log scale: a latency of 0 ms (clock granularity) is drawn at this. */
const MIN_LATENCY_MS = 0.1;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

export function chartData(
  service: Service,
  history: readonly HistoryOp[],
  report: Pick<AvailabilityReport, 'clock' | 'faults'>,
): ChartData {
  const { t0, runEnd } = report.clock;
  const seconds = Math.max(1, Math.ceil((runEnd - t0) / 1000));
  const counts = SERIES.map(() => new Array<number>(seconds).fill(0));
  const latencies = SERIES.map(() => Array.from({ length: seconds }, (): number[] => []));
  for (const op of history) {
    const c = CLASSIFIERS[service](op);
    const t = Math.floor((op.invokedAt - t0) / 1000);
    if (c === 'ignored' || t < 0 || t >= seconds) continue;
    const s = isSuccess(c) ? 0 : 1;
    counts[s]![t]!++;
    if (op.completedAt !== undefined) latencies[s]![t]!.push(Math.max(MIN_LATENCY_MS, op.completedAt - op.invokedAt));
  }
  const rates = SERIES.flatMap((series, s) => counts[s]!.map((n, t) => ({ t, series, n })));
  const latency = SERIES.flatMap((series, s) =>
    latencies[s]!.flatMap((ms, t): ChartData['latency'] => {
      if (ms.length === 0) return [];
      const sorted = [...ms].sort((a, b) => a - b);
      return [
        { t, series, quantile: 'p50', ms: quantile(sorted, 0.5) },
        { t, series, quantile: 'p99', ms: quantile(sorted, 0.99) },
      ];
    }),
  );
  const faults = report.faults.map((f) => ({
    step: f.step,
    kind: f.kind,
    label: `#${f.step} ${f.kind}`,
    start: f.startS,
    end: f.endS,
  }));
  return { rates, latency, faults, seconds };
}

// Parts of a spec, named from vega-lite's public TopLevelSpec (its inner types are not exported).
type VConcatSpec = Extract<TopLevelSpec, { vconcat: unknown }>;
type Layer = Extract<VConcatSpec['vconcat'][number], { layer: unknown }>['layer'][number];
type Encoding = NonNullable<Extract<Layer, { mark: unknown }>['encoding']>;

export function availabilityChart(service: Service, data: ChartData): TopLevelSpec {
  const width = Math.min(2400, Math.max(600, data.seconds * 2));
  const x: Encoding['x'] = {
    field: 't',
    type: 'quantitative',
    title: 'seconds since the start of the run (by invocation time)',
    scale: { domain: [0, data.seconds], nice: false },
  };
  const color: Encoding['color'] = {
    field: 'series',
    type: 'nominal',
    title: 'outcome',
    scale: { domain: [...SERIES], range: ['#4c78a8', '#e45756'] },
  };
  // Shaded fault windows, each labelled at its start: the same two layers under both plots.
  const faultLayers: Layer[] = [
    {
      data: { values: [...data.faults] },
      mark: { type: 'rect', opacity: 0.5 },
      encoding: {
        x: { field: 'start', type: 'quantitative', scale: { domain: [0, data.seconds], nice: false } },
        x2: { field: 'end' },
        fill: { field: 'kind', type: 'nominal', title: 'fault', scale: { scheme: 'pastel1' } },
      },
    },
    {
      data: { values: [...data.faults] },
      mark: { type: 'text', angle: 270, align: 'right', baseline: 'top', dx: -3, dy: 2, fontSize: 9, color: '#555' },
      encoding: { x: { field: 'start', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
    },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${service}: operations and latency under faults (shaded)`,
    config: { font: 'sans-serif' },
    vconcat: [
      {
        width,
        height: 200,
        title: 'operations per second',
        layer: [
          ...faultLayers,
          {
            data: { values: [...data.rates] },
            mark: { type: 'line', strokeWidth: 1.2, interpolate: 'step-after' },
            encoding: { x, y: { field: 'n', type: 'quantitative', title: 'ops/s' }, color },
          },
        ],
      },
      {
        width,
        height: 200,
        title: 'latency per second: p50 (circles), p99 (triangles)',
        layer: [
          ...faultLayers,
          {
            data: { values: [...data.latency] },
            mark: { type: 'point', filled: true, size: 14, opacity: 0.8 },
            encoding: {
              x,
              y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log)', scale: { type: 'log' } },
              color,
              shape: {
                field: 'quantile',
                type: 'nominal',
                scale: { domain: ['p50', 'p99'], range: ['circle', 'triangle-up'] },
              },
            },
          },
        ],
      },
    ],
  };
}

export interface ChartJob {
  /** Where the SVG goes. */
  readonly file: string;
  readonly spec: TopLevelSpec;
}

const RENDERER = fileURLToPath(new URL('./render-svg.mjs', import.meta.url));

/** Renders every spec to its SVG file with vega in a child process; throws with its error output when it fails. */
export function renderSvgFiles(jobs: readonly ChartJob[]): void {
  const res = spawnSync(process.execPath, [RENDERER], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.status !== 0)
    throw new Error(
      `render-svg.mjs: ${res.error?.message ?? (res.stderr.trim() || `exit ${res.status ?? res.signal}`)}`,
    );
}
