// The cache's documented allowance, applied to a history before a checker sees
// it: "a killed node loses at most one flush interval of its own writes"
// (docs/correctness.md, docs/cache.md). A paused or cut-off node is treated like a
// killed one. This is that limit exactly, not a loosening: only ok ops served by
// a faulted node around the fault's onset become `unknown` - from one flush
// interval before the fault (its writes not yet written back) until the node's
// lease ran out after the fault began (a cut-off node serves and takes writes
// that long, then can neither reach the others nor, maybe, Redis), plus slack
// for timer and clock jitter. Writes, because they may be among the unflushed
// ones lost; reads, because they may have observed such writes. Unknown still
// means "took effect once or never", so everything else - every op of every
// other node, and this node's ops once its lease ran out - is checked in full.
import type { FaultWindow, Role } from '../../chaos/workloads/workload-types.js';
import type { HistoryOp } from './history-types.js';

export interface ForgivenessOptions {
  readonly role: Extract<Role, 'cache'>;
  /** The node that served an op, or undefined when it is not tied to one. */
  readonly nodeOf: (op: HistoryOp) => string | undefined;
  /** The cache's flushIntervalMs: the most a killed node loses. */
  readonly flushIntervalMs: number;
  /** How long after a fault begins the node may still acknowledge what it then loses (the cache lease). */
  readonly onsetMs: number;
  /** Widens each window on both sides for timer lateness and fault timing. */
  readonly slackMs: number;
}

export interface Forgiven {
  /** Same length and indexes as the input; forgiven ops are new objects. */
  readonly history: HistoryOp[];
  /** Ops turned from ok into unknown. */
  readonly forgiven: number;
}

export function forgiveFaultedNode(
  history: readonly HistoryOp[],
  faults: readonly FaultWindow[],
  opts: ForgivenessOptions,
): Forgiven {
  // Faults without nodes (e.g. a Redis primary kill) cost no node its unflushed writes.
  const windows = faults
    .filter((f) => f.roles.includes(opts.role))
    .flatMap((f) =>
      f.nodes.map((node) => ({
        kind: f.kind,
        node,
        from: f.start - opts.flushIntervalMs - opts.slackMs,
        to: Math.min(f.end, f.start + opts.onsetMs) + opts.slackMs,
      })),
    );
  let forgiven = 0;
  const out = history.map((op) => {
    if (op.outcome !== 'ok') return op;
    const node = opts.nodeOf(op);
    const end = op.completedAt ?? Infinity;
    const w =
      node === undefined ? undefined : windows.find((x) => x.node === node && op.invokedAt <= x.to && end >= x.from);
    if (!w) return op;
    forgiven++;
    // Rebuilt without `value`: an unknown op carries no observed output.
    const changed: HistoryOp = {
      index: op.index,
      process: op.process,
      op: op.op,
      args: op.args,
      invokedAt: op.invokedAt,
      outcome: 'unknown',
      ...(op.completedAt === undefined ? {} : { completedAt: op.completedAt }),
      reason: `forgiven: ${w.kind} of ${w.node}`,
    };
    return changed;
  });
  return { history: out, forgiven };
}
