// Small helpers shared by the workloads.
import { isRecord, type HistoryOp } from '../../support/history/index.js';

export { isRecord };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Field of an object as a number, or undefined. */
export function numberField(value: unknown, field: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const v = value[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Ops of a history by name and outcome (any outcome when omitted). */
export function countOps(history: readonly HistoryOp[], op: string, outcome?: HistoryOp['outcome']): number {
  return history.filter((h) => h.op === op && (outcome === undefined || h.outcome === outcome)).length;
}

/** Unknown or still-pending ops: the client cannot tell whether they took effect. */
export function countUncertain(history: readonly HistoryOp[]): number {
  return history.filter((h) => h.outcome === 'unknown' || h.outcome === 'pending').length;
}
