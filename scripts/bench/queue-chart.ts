// The queue comparison as a chart (a Vega-Lite spec; svg-chart.ts renders it):
// messages per second of the unpaced workloads (a-c; d's rate is set by its
// pacing) and p99 latency of every workload, DSS beside BullMQ.
import type { TopLevelSpec } from 'vega-lite';
import { sideBySide } from './chart-encodings.js';
import { workload, type QueueRun } from './queue-load.js';

export interface SystemRuns {
  readonly system: string;
  readonly runs: readonly QueueRun[];
}

export function queueChartSpec(results: readonly SystemRuns[], title: string): TopLevelSpec {
  const values = results.flatMap((r) =>
    r.runs.map((run) => {
      const w = workload(run.workload);
      return {
        system: r.system,
        workload: w.short,
        paced: w.ratePerSecond !== undefined,
        msgs: Math.round(run.msgsPerSecond),
        p50: run.p50Ms,
        p99: Math.max(run.p99Ms, 0.1),
      };
    }),
  );
  const { color, xOffset, x } = sideBySide(
    results.map((r) => r.system),
    { field: 'workload', title: 'workload' },
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    hconcat: [
      {
        width: 260,
        height: 220,
        data: { values: values.filter((v) => !v.paced) },
        mark: 'bar',
        encoding: {
          x,
          xOffset,
          y: { field: 'msgs', type: 'quantitative', title: 'messages/s end to end (higher is better)' },
          color,
        },
      },
      {
        width: 340,
        height: 220,
        data: { values },
        mark: 'bar',
        // A consumer that falls behind has seconds of queueing where the other has milliseconds;
        // unstacked, so the scale's domain does not reach down to 0.
        encoding: {
          x,
          xOffset,
          y: {
            field: 'p99',
            type: 'quantitative',
            stack: null,
            scale: { type: 'log' },
            title: 'p99 publish-to-receive latency, ms, log scale (lower is better)',
          },
          color,
        },
      },
    ],
  };
}
