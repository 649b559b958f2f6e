import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJsonLines } from '../support/history/index.js';
import type { AppliedFault } from './nemesis.js';
import type { FaultStep } from './schedule.js';
import type { Workload, WorkloadVerdict } from './workloads/workload-types.js';

// What a chaos run leaves behind: report.json (seed, schedule, faults,
// verdicts), one JSON-lines history per workload, and the run log; plus the
// summary table printed at the end of the run.

export interface ChaosReport {
  readonly seed: number;
  readonly seconds: number;
  readonly startedAt: string;
  readonly schedule: readonly FaultStep[];
  readonly faults: readonly AppliedFault[];
  readonly verdicts: readonly WorkloadVerdict[];
}

export function writeArtefacts(dir: string, report: ChaosReport, workloads: readonly Workload[], log: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));
  for (const w of workloads) writeFileSync(join(dir, `${w.name}-history.jsonl`), toJsonLines(w.history()));
  writeFileSync(join(dir, 'run.log'), log.join('\n') + '\n');
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
    `chaos run: seed ${report.seed}, ${report.seconds} s, ${Object.values(counts).reduce((a, b) => a + b, 0)} faults (${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    'workload  ok   anomalies  ops      figures',
  ];
  for (const v of report.verdicts) {
    const figures = Object.entries(v.figures).map(([k, n]) => `${k}=${n}`).join(' ');
    lines.push(`${v.workload.padEnd(9)} ${(v.ok ? 'yes' : 'NO').padEnd(4)} ${String(v.anomalies).padEnd(10)} ${String(v.ops).padEnd(8)} ${figures}`);
  }
  return lines.join('\n');
}
