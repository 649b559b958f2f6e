// Shrinks a register history before the linearizability search without
// changing its verdict. Unknown operations are what make the search blow up:
// each may take effect at any point after its invocation, or never, so the
// search keeps every one of them open to the end of the history. Written
// values are unique, which lets three kinds be settled up front:
// - an unknown read constrains nothing (any value is a legal answer): dropped;
// - an unknown write of a value no successful read returned: its only possible
//   effect is to make the register hold a value nobody saw, so every
//   linearization that includes it also works without it: dropped (Knossos
//   does the same);
// - an unknown write of a value some successful read returned did take effect,
//   before the first such read answered: it becomes ok, completing then.
// Writes of null (deletes) are kept as they are: null is not unique.
import { isRecord } from './history-io.js';
import type { HistoryOp } from './history-types.js';

const isUnknown = (op: HistoryOp): boolean => op.outcome === 'unknown' || op.outcome === 'pending';
const keyOf = (op: HistoryOp): string => (isRecord(op.args) ? String(op.args.key) : '');
const valueOf = (op: HistoryOp): unknown => (isRecord(op.args) ? op.args.value : undefined);

export interface PrunedHistory {
  readonly history: HistoryOp[];
  /** Unknown ops dropped. */
  readonly pruned: number;
  /** Unknown writes turned into ok ones (a read proved they happened). */
  readonly settled: number;
}

/** For registerModel histories (write {key, value} / read {key} → value). */
export function pruneRegisterHistory(history: readonly HistoryOp[]): PrunedHistory {
  // Per key and value: when the first successful read of it answered.
  const firstReadEnd = new Map<string, number>();
  for (const op of history) {
    if (op.op !== 'read' || op.outcome !== 'ok' || op.completedAt === undefined) continue;
    const id = `${keyOf(op)}\u0000${JSON.stringify(op.value)}`;
    firstReadEnd.set(id, Math.min(firstReadEnd.get(id) ?? Infinity, op.completedAt));
  }
  let pruned = 0;
  let settled = 0;
  const kept: HistoryOp[] = [];
  for (const op of history) {
    if (!isUnknown(op) || (op.op === 'write' && valueOf(op) === null)) {
      kept.push(op);
      continue;
    }
    if (op.op !== 'write') {
      pruned++; // an unknown read (or any other unknown op a register ignores)
      continue;
    }
    const seenBy = firstReadEnd.get(`${keyOf(op)}\u0000${JSON.stringify(valueOf(op))}`);
    if (seenBy === undefined) pruned++;
    else if (seenBy < op.invokedAt)
      kept.push(op); // read before it was written: leave it for the checker to reject
    else {
      settled++;
      kept.push({
        index: op.index,
        process: op.process,
        op: op.op,
        args: op.args,
        invokedAt: op.invokedAt,
        outcome: 'ok',
        completedAt: seenBy,
        reason: `settled: ${op.reason ?? 'unknown'}, read by ${seenBy.toFixed(3)}`,
      });
    }
  }
  return { history: kept, pruned, settled };
}
