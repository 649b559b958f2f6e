// The fenced-cache workload's checker (docs/cache.md, "Fenced writes"): per key, ordered by
// real time as the clients saw it,
// - stale-write: a write acknowledged with token t although a write with a higher token had
//   been acknowledged before it was invoked (the storage let a stale lock holder in);
// - stale-read: a read that returned a value with a lower token than (or no value after) a
//   write acknowledged before the read was invoked;
// - fence-mismatch: a read whose remembered fence is not the token of the value it returned
//   (every write of the workload is fenced, so they must agree);
// - unjustified-refusal: a write refused FENCED although no write with a higher token on the
//   key had been invoked before the refusal arrived (a check refusing too much is a bug too).
// Unknown writes may have taken effect at any time after their invocation, so they only
// justify refusals; they never bound anything.
import { isRecord } from './history-io.js';
import { formatOp, type HistoryOp } from './history-types.js';

export type FencedAnomalyKind = 'stale-write' | 'stale-read' | 'fence-mismatch' | 'unjustified-refusal';

export interface FencedAnomaly {
  readonly kind: FencedAnomalyKind;
  readonly op: HistoryOp;
  /** The acknowledged write that makes `op` an anomaly, when there is one. */
  readonly after?: HistoryOp;
}

export interface FencedCheckResult {
  readonly ok: boolean;
  readonly anomalies: readonly FencedAnomaly[];
  readonly stats: {
    readonly keys: number;
    readonly accepted: number;
    readonly refused: number;
    readonly reads: number;
    readonly unknown: number;
  };
}

/** What the workload records: a write's args, and a read's value (null: no value). */
export interface FencedWriteArgs {
  readonly key: string;
  readonly token: number;
}
export interface FencedReadValue {
  readonly token: number;
  /** The key's remembered fence as GET answered it. */
  readonly fence?: number;
}

const keyOf = (op: HistoryOp): string | undefined =>
  isRecord(op.args) && typeof op.args.key === 'string' ? op.args.key : undefined;
const tokenOf = (op: HistoryOp): number => (isRecord(op.args) && typeof op.args.token === 'number' ? op.args.token : 0);
const readOf = (op: HistoryOp): FencedReadValue | null =>
  isRecord(op.value) && typeof op.value.token === 'number'
    ? { token: op.value.token, ...(typeof op.value.fence === 'number' ? { fence: op.value.fence } : {}) }
    : null;
const isFencedRefusal = (op: HistoryOp): boolean =>
  op.outcome === 'fail' && isRecord(op.value) && op.value.code === 'FENCED';

/** The highest-token acknowledged write completed before `t`: a prefix maximum over completions. */
class AcknowledgedBefore {
  private readonly ends: number[] = [];
  private readonly best: HistoryOp[] = [];

  constructor(writes: readonly HistoryOp[]) {
    const sorted = writes
      .filter((w) => w.outcome === 'ok' && w.completedAt !== undefined)
      .sort((a, b) => a.completedAt! - b.completedAt!);
    for (const w of sorted) {
      const prev = this.best[this.best.length - 1];
      this.ends.push(w.completedAt!);
      this.best.push(prev && tokenOf(prev) >= tokenOf(w) ? prev : w);
    }
  }

  at(t: number): HistoryOp | undefined {
    let lo = 0;
    let hi = this.ends.length; // first index with end >= t
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : this.best[lo - 1];
  }
}

export function checkFencedHistory(history: readonly HistoryOp[]): FencedCheckResult {
  const byKey = new Map<string, HistoryOp[]>();
  for (const op of history) {
    const key = keyOf(op);
    if (key === undefined || (op.op !== 'write' && op.op !== 'read')) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), op]);
  }
  const anomalies: FencedAnomaly[] = [];
  for (const ops of byKey.values()) {
    const writes = ops.filter((o) => o.op === 'write');
    const acked = new AcknowledgedBefore(writes);
    for (const op of ops) {
      if (op.outcome === 'ok' && op.op === 'write') {
        const after = acked.at(op.invokedAt);
        if (after && tokenOf(after) > tokenOf(op)) anomalies.push({ kind: 'stale-write', op, after });
      } else if (op.outcome === 'ok' && op.op === 'read') {
        const seen = readOf(op);
        const after = acked.at(op.invokedAt);
        if (after && (seen?.token ?? 0) < tokenOf(after)) anomalies.push({ kind: 'stale-read', op, after });
        if (seen && seen.fence !== seen.token) anomalies.push({ kind: 'fence-mismatch', op });
      } else if (isFencedRefusal(op)) {
        const end = op.completedAt ?? Infinity;
        const higher = writes.some(
          (w) => w !== op && w.outcome !== 'fail' && tokenOf(w) > tokenOf(op) && w.invokedAt < end,
        );
        if (!higher) anomalies.push({ kind: 'unjustified-refusal', op });
      }
    }
  }
  const writes = history.filter((o) => o.op === 'write');
  return {
    ok: anomalies.length === 0,
    anomalies,
    stats: {
      keys: byKey.size,
      accepted: writes.filter((o) => o.outcome === 'ok').length,
      refused: writes.filter(isFencedRefusal).length,
      reads: history.filter((o) => o.op === 'read' && o.outcome === 'ok').length,
      unknown: history.filter(
        (o) => (o.op === 'write' || o.op === 'read') && (o.outcome === 'unknown' || o.outcome === 'pending'),
      ).length,
    },
  };
}

/** One line per anomaly, with the ops involved. */
export function formatFencedAnomalies(result: FencedCheckResult, max = 20): string {
  return result.anomalies
    .slice(0, max)
    .map((a) => `${a.kind}: ${formatOp(a.op)}${a.after ? `\n  after ${formatOp(a.after)}` : ''}`)
    .join('\n');
}
