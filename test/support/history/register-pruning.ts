// Shrinks a register history before the linearizability search without
// changing its verdict. Unknown operations are what make the search blow up:
// each may take effect at any point after its invocation, or never. Two kinds
// can be removed soundly (Jepsen's Knossos drops the first kind too):
// - an unknown read constrains nothing (any value is a legal answer);
// - an unknown write of a value that no successful read returned: its only
//   possible effect is to make the register hold a value nobody saw, so every
//   linearization that includes it also works without it ("never happened").
// Writes of null (deletes) are kept: null is not unique, so a read of null
// may depend on one of them.
import { isRecord } from './history-io.js';
import type { HistoryOp } from './history-types.js';

const isUnknown = (op: HistoryOp): boolean => op.outcome === 'unknown' || op.outcome === 'pending';
const keyOf = (op: HistoryOp): string => (isRecord(op.args) ? String(op.args.key) : '');
const valueOf = (op: HistoryOp): unknown => (isRecord(op.args) ? op.args.value : undefined);

export interface PrunedHistory {
  readonly history: HistoryOp[];
  readonly pruned: number;
}

/** For registerModel histories (write {key, value} / read {key} → value). */
export function pruneRegisterHistory(history: readonly HistoryOp[]): PrunedHistory {
  const seen = new Set<string>();
  for (const op of history) if (op.op === 'read' && op.outcome === 'ok') seen.add(`${keyOf(op)}\u0000${JSON.stringify(op.value)}`);
  const kept = history.filter((op) => {
    if (!isUnknown(op)) return true;
    if (op.op === 'read') return false;
    if (op.op !== 'write' || valueOf(op) === null) return true;
    return seen.has(`${keyOf(op)}\u0000${JSON.stringify(valueOf(op))}`);
  });
  return { history: kept, pruned: history.length - kept.length };
}
