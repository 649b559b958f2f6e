import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJsonLines } from '../support/history/index.js';
import {
  formatAvailability,
  serviceHistories,
  writeAvailabilityArtefacts,
  type AvailabilityReport,
} from './availability/index.js';
import type { AppliedFault } from './nemesis.js';
import type { FaultStep } from './schedule.js';
import type { Workload, WorkloadVerdict } from './workloads/workload-types.js';

// What a chaos run leaves behind: report.json (seed, schedule, faults,
// verdicts), one JSON-lines history per workload, the run log, and with
// availability measured availability.json and a chart per service
// (<service>.svg); plus the summary printed at the end of the run.

export interface ChaosReport {
  readonly seed: number;
  readonly seconds: number;
  readonly startedAt: string;
  readonly schedule: readonly FaultStep[];
  readonly faults: readonly AppliedFault[];
  readonly verdicts: readonly WorkloadVerdict[];
  /** Written to availability.json, not report.json. */
  readonly availability?: AvailabilityReport;
}

/** Returns lines about what was written beyond the report and histories (also appended to run.log). */
export function writeArtefacts(
  dir: string,
  report: ChaosReport,
  workloads: readonly Workload[],
  log: readonly string[],
): string[] {
  mkdirSync(dir, { recursive: true });
  const { availability, ...rest } = report;
  writeFileSync(join(dir, 'report.json'), JSON.stringify(rest, null, 2));
  for (const w of workloads) writeFileSync(join(dir, `${w.name}-history.jsonl`), toJsonLines(w.history()));
  const notes = availability ? writeAvailabilityArtefacts(dir, availability, serviceHistories(workloads)) : [];
  writeFileSync(join(dir, 'run.log'), [...log, ...notes].join('\n') + '\n');
  return notes;
}

/** Faults by kind: steps fired (a step may leave two windows). */
export function faultCounts(faults: readonly AppliedFault[]): Record<string, number> {
  const steps = new Map<number, string>();
  for (const f of faults) steps.set(f.step, f.kind);
  const counts: Record<string, number> = {};
  for (const kind of steps.values()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

export function summary(report: ChaosReport): string {
  const counts = faultCounts(report.faults);
  const lines = [
    `chaos run: seed ${report.seed}, ${report.seconds} s, ${Object.values(counts).reduce((a, b) => a + b, 0)} faults (${Object.entries(
      counts,
    )
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
    'workload  ok   anomalies  ops      figures',
  ];
  for (const v of report.verdicts) {
    const figures = Object.entries(v.figures)
      .map(([k, n]) => `${k}=${n}`)
      .join(' ');
    lines.push(
      `${v.workload.padEnd(9)} ${(v.ok ? 'yes' : 'NO').padEnd(4)} ${String(v.anomalies).padEnd(10)} ${String(v.ops).padEnd(8)} ${figures}`,
    );
  }
  if (report.availability) lines.push(formatAvailability(report.availability));
  return lines.join('\n');
}
