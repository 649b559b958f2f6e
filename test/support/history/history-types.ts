// The Jepsen history model: every operation is an invocation followed by at most
// one completion. `unknown` (Jepsen's :info) means the client cannot tell whether
// the operation took effect - a timeout or a dropped connection - so checkers must
// allow it to take effect at any time after its invocation, or never.

export type Outcome = 'ok' | 'fail' | 'unknown' | 'pending';

export interface HistoryOp {
  /** Position in invocation order; stable identifier in reports. */
  readonly index: number;
  /** The client (Jepsen "process") that issued the operation. */
  readonly process: string;
  /** Operation name, e.g. 'acquire', 'release', 'read'. */
  readonly op: string;
  readonly args: unknown;
  /** Monotonic time (ms) of the invocation. */
  readonly invokedAt: number;
  /** `pending` = never completed (treated like `unknown` by every checker). */
  readonly outcome: Outcome;
  /** When the reply arrived (ok/fail) or the client gave up (unknown). */
  readonly completedAt?: number;
  readonly value?: unknown;
  /** Why the outcome is unknown (error text), for the report. */
  readonly reason?: string;
}

/** Whether the operation definitely finished; only then is its completion a real-time bound. */
export function isDefinite(op: HistoryOp): op is HistoryOp & { readonly completedAt: number } {
  return (op.outcome === 'ok' || op.outcome === 'fail') && op.completedAt !== undefined;
}

/** Latest instant the operation may take effect: its completion, or never bounded if the outcome is unknown. */
export function effectEnd(op: HistoryOp): number {
  return isDefinite(op) ? op.completedAt : Infinity;
}

export function fmtTime(t: number): string {
  return Number.isFinite(t) ? t.toFixed(3) : '∞';
}

/** One line per op for failure messages: `#12 p3 acquire {...} → ok {...} [10.000, 12.500]`. */
export function formatOp(op: HistoryOp): string {
  const end = op.completedAt === undefined ? '…' : fmtTime(op.completedAt);
  const result =
    op.outcome === 'unknown' || op.outcome === 'pending'
      ? `${op.outcome}${op.reason ? ` (${op.reason})` : ''}`
      : `${op.outcome}${op.value === undefined ? '' : ` ${JSON.stringify(op.value)}`}`;
  return `#${op.index} ${op.process} ${op.op} ${JSON.stringify(op.args)} → ${result} [${fmtTime(op.invokedAt)}, ${end}]`;
}
