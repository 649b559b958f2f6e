// What availability adds to a run's artefacts directory: availability.json
// (the report) and one chart per service, <service>.svg.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { HistoryOp } from '../../support/history/index.js';
import type { AvailabilityReport } from './availability.js';
import { availabilityChart, chartData, renderSvgFiles } from './charts.js';
import { isService, type Service } from './targets.js';

export type ServiceHistories = Partial<Record<Service, readonly HistoryOp[]>>;

/** The histories of the workloads that are services (by workload name: lock, counter, queue, cache). */
export function serviceHistories(
  workloads: readonly { readonly name: string; history(): readonly HistoryOp[] }[],
): ServiceHistories {
  const out: ServiceHistories = {};
  for (const w of workloads) if (isService(w.name)) out[w.name] = w.history();
  return out;
}

/** Writes availability.json and the charts; returns lines for the run log (the charts drawn, or why not: a chart is no reason to fail a run). */
export function writeAvailabilityArtefacts(
  dir: string,
  report: AvailabilityReport,
  histories: ServiceHistories,
): string[] {
  writeFileSync(join(dir, 'availability.json'), JSON.stringify(report, null, 2));
  const jobs = report.services.map(({ service }) => ({
    file: join(dir, `${service}.svg`),
    spec: availabilityChart(service, chartData(service, histories[service] ?? [], report)),
  }));
  try {
    renderSvgFiles(jobs);
    return [`availability: availability.json, charts ${jobs.map((j) => basename(j.file)).join(', ')}`];
  } catch (err: unknown) {
    return [
      `availability: availability.json written; charts NOT drawn: ${err instanceof Error ? err.message : String(err)}`,
    ];
  }
}
