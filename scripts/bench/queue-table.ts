// The queue comparison's markdown table: one row per workload, DSS beside
// BullMQ, with every round's ratio when there were several.
import { ratio, roundRatios, type QueueRun } from './queue-load.js';

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
/** Latency: one decimal below 100 ms, whole milliseconds above. */
const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 100 ? n.toFixed(1) : f0(n));
const fr = (r: number | undefined) => (r === undefined ? '–' : r.toFixed(2));

export const ERRORS_LEGEND =
  'errors: failed publish calls + consumer errors + duplicate deliveries (and messages lost, if any)';

export function tableHeader(perRound: boolean): string[] {
  return [
    `| workload | DSS msgs/s | BullMQ msgs/s | ratio DSS/BullMQ | DSS p50 / p99 | BullMQ p50 / p99 | errors DSS / BullMQ |${perRound ? ' ratio per round |' : ''}`,
    `|---|---|---|---|---|---|---|${perRound ? '---|' : ''}`,
  ];
}

function errors(r: QueueRun | undefined): string {
  if (!r) return '–';
  return `${r.publishErrors}+${r.consumerErrors}+${r.duplicates}${r.lost > 0 ? ` (${r.lost} lost)` : ''}`;
}

/**
 * One workload: each side's figures (medians when there were rounds), `–` for
 * a side that did not run; with `rounds` (each side's runs, in turn order)
 * a last column listing every round's ratio.
 */
export function tableRow(
  label: string,
  dss: QueueRun | undefined,
  bullmq: QueueRun | undefined,
  rounds?: { dss: readonly QueueRun[]; bullmq: readonly QueueRun[] },
): string {
  const lat = (r?: QueueRun) => (r ? `${ms(r.p50Ms)} / ${ms(r.p99Ms)} ms` : '–');
  const rate = (r?: QueueRun) => (r ? f0(r.msgsPerSecond) : '–');
  const perRound = rounds ? ` ${roundRatios(rounds.dss, rounds.bullmq).map(fr).join(', ')} |` : '';
  return `| ${label} | ${rate(dss)} | ${rate(bullmq)} | ${dss && bullmq ? fr(ratio(dss, bullmq)) : '–'} | ${lat(dss)} | ${lat(bullmq)} | ${errors(dss)} / ${errors(bullmq)} |${perRound}`;
}
