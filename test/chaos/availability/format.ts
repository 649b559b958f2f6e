// The availability part of a run's printed summary: one row per fault with,
// per service, the share served while it lasted, the recovery time and the
// verdict; then one line per service for the whole run.
import type { AvailabilityReport, ServiceAtFault } from './availability.js';
import { AFTER_SHARE_TARGET, RECOVERY_TARGET_MS, type Service } from './targets.js';

const ACTION_WIDTH = 40;
const CELL_WIDTH = 23;

/** 'SIGKILL lock@vm2 (leader), restarted after 3.2 s' → 'SIGKILL lock@vm2 (leader)'; a step's two windows joined with ' + '. */
export function shortAction(action: string): string {
  const short = action
    .split(' + ')
    .map((a) => a.split(/[,;]| for \d/)[0]!.trim())
    .join(' + ');
  return short.length > ACTION_WIDTH ? `${short.slice(0, ACTION_WIDTH - 1)}…` : short;
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

function cell(s: ServiceAtFault | undefined): string {
  if (!s) return '';
  const recovery = s.recoveryMs === null ? 'never' : `${(s.recoveryMs / 1000).toFixed(1)}s`;
  return `${pct(s.served).padStart(6)} ${recovery.padStart(5)} ${s.verdict === 'missed' ? 'MISSED' : s.verdict}`;
}

export function formatAvailability(report: AvailabilityReport): string {
  const services: readonly Service[] = report.services.map((s) => s.service);
  const targets = services.map((s) => `${s} ${RECOVERY_TARGET_MS[s] / 1000} s`).join(', ');
  const lines = [
    `availability per fault: served while it lasted, recovery (s from its start; never = not back to ${AFTER_SHARE_TARGET * 100} % before the next fault), verdict`,
    `  targets: back within ${targets}; then >= ${AFTER_SHARE_TARGET * 100} % served until the next fault; excused = fewer than a majority of nodes could serve`,
    `step kind                 ${'action'.padEnd(ACTION_WIDTH)} ${services.map((s) => s.padEnd(CELL_WIDTH)).join(' ')}`.trimEnd(),
  ];
  for (const f of report.faults) {
    const cells = services.map((svc) => cell(f.services.find((s) => s.service === svc)).padEnd(CELL_WIDTH)).join(' ');
    lines.push(
      `${String(f.step).padStart(4)} ${f.kind.padEnd(20)} ${shortAction(f.action).padEnd(ACTION_WIDTH)} ${cells}`.trimEnd(),
    );
  }
  for (const s of report.services) {
    lines.push(
      `availability ${s.service}: ${pct(s.share)} of ${s.ops} ops served over the run; faults: ${s.met} met, ${s.excused} excused, ${s.missed} missed`,
    );
  }
  return lines.join('\n');
}
