// Wing & Gong's linearizability search with Lowe's memoisation ("Testing for
// linearizability", 2017), as in Porcupine/Knossos: walk the history's call and
// return events, tentatively linearize a pending call when the model accepts it,
// backtrack when a return is reached whose call was not linearized, and skip
// (linearized-set, state) configurations already explored. P-compositionality
// (Horn & Kroening): ops on different keys are checked independently, which keeps
// the exponential search small. A step budget turns a too-big search into an
// explicit 'unknown' answer instead of a hang.
import { fmtTime, formatOp, type HistoryOp } from './history-types.js';

/** An operation as a model sees it. `known` is false for unknown/pending outcomes: any output is allowed. */
export interface LinOp {
  readonly op: string;
  readonly args: unknown;
  readonly value: unknown;
  readonly known: boolean;
  readonly source: HistoryOp;
}

export interface StepResult<S> {
  readonly ok: boolean;
  readonly state: S;
}

export interface Model<S> {
  readonly name: string;
  init(): S;
  /** Applies `op` to `state`; ok=false when the observed output is impossible from `state`. */
  step(state: S, op: LinOp): StepResult<S>;
  /** Canonical text of a state, for the visited-configuration cache. */
  key(state: S): string;
  /** Independent sub-histories (e.g. per register key or lock resource); one partition when absent. */
  partition?(op: HistoryOp): string;
  /** Ops the model does not know about are dropped when this returns false. */
  accepts?(op: HistoryOp): boolean;
}

export type LinStatus = 'ok' | 'violation' | 'unknown';

export interface PartitionResult {
  readonly key: string;
  readonly status: LinStatus;
  readonly ops: number;
  readonly steps: number;
  /** For a violation: the longest linearizable prefix found and the op that could not follow it. */
  readonly prefix?: readonly HistoryOp[];
  readonly culprit?: HistoryOp;
  readonly stateBefore?: string;
}

export interface LinResult {
  readonly ok: boolean;
  /** violation if any partition is not linearizable; else unknown if any search ran out of budget. */
  readonly status: LinStatus;
  readonly partitions: readonly PartitionResult[];
  readonly message: string;
}

export interface LinOptions {
  /** Search steps allowed per partition before answering 'unknown'. Default 1e6. */
  readonly maxSteps?: number;
}

/**
 * Jepsen semantics: `fail` ops did not happen and are dropped; `ok` ops took
 * effect once between invocation and completion; `unknown`/`pending` ops took
 * effect at most once, at any time after invocation (they are never required).
 * Equal timestamps count as concurrent, so ties never invent a violation.
 */
export function checkLinearizable<S>(
  history: readonly HistoryOp[],
  model: Model<S>,
  options: LinOptions = {},
): LinResult {
  const maxSteps = options.maxSteps ?? 1_000_000;
  const parts = new Map<string, HistoryOp[]>();
  for (const op of history) {
    if (op.outcome === 'fail' || (model.accepts && !model.accepts(op))) continue;
    const key = model.partition ? model.partition(op) : '';
    parts.set(key, [...(parts.get(key) ?? []), op]);
  }
  const partitions = [...parts].map(([key, ops]) => checkPartition(key, ops, model, maxSteps));
  const violation = partitions.filter((p) => p.status === 'violation');
  const unknown = partitions.filter((p) => p.status === 'unknown');
  const status: LinStatus = violation.length ? 'violation' : unknown.length ? 'unknown' : 'ok';
  const message =
    status === 'ok'
      ? `${model.name}: linearizable (${partitions.length} partitions)`
      : [
          ...violation.map((p) => describeViolation(model.name, p)),
          ...unknown.map(
            (p) =>
              `${model.name} key ${JSON.stringify(p.key)}: UNKNOWN, search exceeded ${maxSteps} steps over ${p.ops} ops (history too big or too concurrent; split it or raise maxSteps)`,
          ),
        ].join('\n');
  return { ok: status === 'ok', status, partitions, message };
}

function describeViolation(name: string, p: PartitionResult): string {
  const prefix = (p.prefix ?? []).map((op) => `     ${formatOp(op)}`).join('\n');
  const culprit = p.culprit ? formatOp(p.culprit) : '?';
  return `${name} key ${JSON.stringify(p.key)}: NOT linearizable. Longest linearizable prefix (${p.prefix?.length ?? 0} ops, in order):\n${prefix}\n   then state ${p.stateBefore} cannot explain, before it returned at ${fmtTime(p.culprit?.completedAt ?? NaN)}:\n     ${culprit}`;
}

interface Entry {
  readonly call: boolean;
  readonly id: number;
  readonly time: number;
  match: Entry | undefined; // a call's return; undefined when the outcome is unknown
  prev: Entry | undefined;
  next: Entry | undefined;
}

function checkPartition<S>(key: string, ops: readonly HistoryOp[], model: Model<S>, maxSteps: number): PartitionResult {
  const linOps: LinOp[] = ops.map((op) => ({
    op: op.op,
    args: op.args,
    value: op.value,
    known: op.outcome === 'ok',
    source: op,
  }));
  const events: Entry[] = [];
  ops.forEach((op, id) => {
    const call: Entry = { call: true, id, time: op.invokedAt, match: undefined, prev: undefined, next: undefined };
    events.push(call);
    if (op.outcome === 'ok') {
      if (op.completedAt === undefined) throw new Error(`ok op without completion time: ${formatOp(op)}`);
      const ret: Entry = { call: false, id, time: op.completedAt, match: undefined, prev: undefined, next: undefined };
      call.match = ret;
      events.push(ret);
    }
  });
  // Calls before returns at equal times: touching intervals are treated as concurrent.
  events.sort((a, b) => a.time - b.time || Number(a.call ? 0 : 1) - Number(b.call ? 0 : 1) || a.id - b.id);
  const head: Entry = { call: true, id: -1, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  let remainingReturns = ops.filter((op) => op.outcome === 'ok').length;

  const lift = (e: Entry): void => {
    (e.prev as Entry).next = e.next;
    if (e.next) e.next.prev = e.prev;
    const m = e.match;
    if (m) {
      (m.prev as Entry).next = m.next;
      if (m.next) m.next.prev = m.prev;
      remainingReturns--;
    }
  };
  const unlift = (e: Entry): void => {
    const m = e.match;
    if (m) {
      (m.prev as Entry).next = m;
      if (m.next) m.next.prev = m;
      remainingReturns++;
    }
    (e.prev as Entry).next = e;
    if (e.next) e.next.prev = e;
  };

  const words = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const flip = (id: number): void => {
    words[id >>> 5] = (words[id >>> 5] as number) ^ (1 << (id & 31));
  };
  const cache = new Set<string>();
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let best: { prefix: HistoryOp[]; culprit: HistoryOp; state: string } | undefined;

  while (remainingReturns > 0) {
    if (++steps > maxSteps) return { key, status: 'unknown', ops: ops.length, steps };
    if (!entry) throw new Error('linearizability search walked off the history (internal error)');
    if (entry.call) {
      const result = model.step(state, linOps[entry.id] as LinOp);
      if (result.ok) {
        flip(entry.id);
        const configuration = `${words.join(',')}|${model.key(result.state)}`;
        if (!cache.has(configuration)) {
          cache.add(configuration);
          stack.push({ entry, state });
          state = result.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        flip(entry.id);
      }
      entry = entry.next;
    } else {
      // A return whose call is still pending: the current prefix cannot be extended past it.
      if (!best || stack.length > best.prefix.length) {
        best = {
          prefix: stack.map((s) => ops[s.entry.id] as HistoryOp),
          culprit: ops[entry.id] as HistoryOp,
          state: model.key(state),
        };
      }
      const top = stack.pop();
      if (!top) {
        return {
          key,
          status: 'violation',
          ops: ops.length,
          steps,
          prefix: best.prefix,
          culprit: best.culprit,
          stateBefore: best.state,
        };
      }
      state = top.state;
      flip(top.entry.id);
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { key, status: 'ok', ops: ops.length, steps };
}
