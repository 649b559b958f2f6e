// The message-group check of an at-least-once queue (docs/queue.md, "Message
// groups"), judged from what clients saw, in real time (monotonic clock):
//
// 1. Order. For two bodies a, b of one group whose publishes were both
//    acknowledged, a published first (the same publish with a before b, or
//    a's publish completed before b's was invoked), a not dead-lettered (every dead-letter read succeeded), and
//    b consumed: a must have been consumed too, and b's first sighting must
//    not have completed before a's first sighting was invoked. (b could only
//    be delivered once a was acked, and an ack needs a receipt a client saw;
//    a delivery whose answer was lost is never acked, it expires and comes
//    again.) Bodies of unknown publishes are not ordered: such a publish may
//    take effect at any time after its invocation.
// 2. One out at a time. Each sighting of a body in an ok consume is a
//    delivery, in flight from some instant inside that consume until its
//    receipt is acked or nacked, or its visibility runs out. It certainly
//    started by the consume's completion; it certainly lasted until the
//    earliest of: the first ack (or nack) of that receipt invoked (whatever
//    its outcome but a definite refusal), and the consume's invocation plus
//    the visibility minus CLOCK_SLACK_MS (nodes judge expiry by their own
//    clocks). Two deliveries of different bodies of one group whose spans
//    certainly overlap (the later certain start before both certain ends)
//    were in flight at once: a violation. Redeliveries of one body are not
//    compared with each other (at-least-once allows them).
//
// The history a group workload records: the queue checker's (queue-checker.ts),
// with publish args {topic, group, messages}, consume ok values whose messages
// carry {receipt, group}, and ack args {topic, receipts}.
import { isRecord } from './history-io.js';
import { formatOp, type HistoryOp } from './history-types.js';

/** Allowance for clock differences between the nodes that judge a delivery's expiry. */
export const CLOCK_SLACK_MS = 500;

export interface GroupCheckOptions {
  /** The visibility the consumers asked for. */
  readonly visibilityMs: number;
}

export interface GroupViolation {
  readonly kind: 'order' | 'overlap' | 'skipped';
  readonly group: string;
  /** The earlier body (order, skipped: the one that should have come first) and the later one. */
  readonly first: string;
  readonly second: string;
  readonly ops: readonly HistoryOp[];
}

export interface GroupCheckResult {
  readonly ok: boolean;
  readonly violations: readonly GroupViolation[];
  readonly stats: {
    readonly groups: number;
    /** Ordered pairs compared (both acknowledged, one published before the other, the later consumed). */
    readonly orderedPairs: number;
    readonly deliveries: number;
  };
}

interface Publish {
  readonly op: HistoryOp;
  readonly group: string;
  readonly bodies: readonly string[];
}

interface Delivery {
  readonly group: string;
  readonly body: string;
  readonly receipt: string;
  readonly consume: HistoryOp & { readonly completedAt: number };
  /** Certainly in flight by then. */
  readonly start: number;
  /** Certainly in flight until then. */
  end: number;
}

const REPORT_LIMIT = 20;

export function checkGroupHistory(history: readonly HistoryOp[], opts: GroupCheckOptions): GroupCheckResult {
  const publishes: Publish[] = [];
  const deliveries: Delivery[] = [];
  const dead = new Set<string>();
  // A dead-letter read that failed: any body may be a dead letter, so none counts as skipped.
  let deadUnknown = false;
  const endOf = new Map<string, Delivery>();
  const acks: HistoryOp[] = [];
  for (const op of history) {
    if (op.op === 'publish') {
      const a = op.args;
      if (!isRecord(a) || typeof a.group !== 'string' || !isStrings(a.messages))
        throw new Error(`publish needs args {group, messages: string[]}: ${formatOp(op)}`);
      publishes.push({ op, group: a.group, bodies: a.messages });
    } else if (op.op === 'consume' && op.outcome === 'ok' && op.completedAt !== undefined) {
      const consume = { ...op, completedAt: op.completedAt };
      for (const m of messagesOf(op)) {
        if (typeof m.receipt !== 'string' || typeof m.group !== 'string')
          throw new Error(`consume messages need {body, receipt, group}: ${formatOp(op)}`);
        const d: Delivery = {
          group: m.group,
          body: m.body,
          receipt: m.receipt,
          consume,
          start: op.completedAt,
          end: op.invokedAt + opts.visibilityMs - CLOCK_SLACK_MS,
        };
        deliveries.push(d);
        endOf.set(m.receipt, d);
      }
    } else if (op.op === 'dead') {
      if (op.outcome === 'ok') for (const m of messagesOf(op)) dead.add(m.body);
      else deadUnknown = true;
    } else if ((op.op === 'ack' || op.op === 'nack') && op.outcome !== 'fail') {
      acks.push(op);
    }
  }
  for (const op of acks) {
    const receipts = isRecord(op.args) && isStrings(op.args.receipts) ? op.args.receipts : [];
    for (const r of receipts) {
      const d = endOf.get(r);
      if (d) d.end = Math.min(d.end, op.invokedAt);
    }
  }
  const violations = [...overlaps(deliveries)];
  const order = orderViolations(publishes, deliveries, dead, deadUnknown);
  violations.push(...order.violations);
  return {
    ok: violations.length === 0,
    violations,
    stats: {
      groups: new Set(publishes.map((p) => p.group)).size,
      orderedPairs: order.pairs,
      deliveries: deliveries.length,
    },
  };
}

/** Deliveries of different bodies of one group whose certain spans overlap. */
function* overlaps(deliveries: readonly Delivery[]): Generator<GroupViolation> {
  for (const list of byGroup(deliveries, (d) => d.group).values()) {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      for (let j = i + 1; j < sorted.length && sorted[j]!.start < a.end; j++) {
        const b = sorted[j]!;
        if (b.body !== a.body && b.start < b.end)
          yield { kind: 'overlap', group: a.group, first: a.body, second: b.body, ops: [a.consume, b.consume] };
      }
    }
  }
}

/**
 * For each acknowledged body a (not dead-lettered), the consumed bodies
 * published after it: the one first seen earliest must not have been seen
 * before a was first looked for, and a must have come out at all. One
 * violation per a (the earliest such b); near-linear: the publishes that
 * follow a are a suffix of the acknowledged publishes sorted by invocation.
 */
function orderViolations(
  publishes: readonly Publish[],
  deliveries: readonly Delivery[],
  dead: ReadonlySet<string>,
  deadUnknown: boolean,
): { violations: GroupViolation[]; pairs: number } {
  const seen = firstSightings(deliveries);
  const acked = publishes.filter((p) => p.op.outcome === 'ok' && p.op.completedAt !== undefined);
  const violations: GroupViolation[] = [];
  let pairs = 0;
  for (const list of byGroup(acked, (p) => p.group).values()) {
    const sorted = [...list].sort((x, y) => x.op.invokedAt - y.op.invokedAt);
    // suffix[i]: among bodies of sorted[i..], how many were seen and the one seen first.
    const suffix: { count: number; best?: { body: string; at: Sighting } }[] = [];
    suffix[sorted.length] = { count: 0 };
    for (let i = sorted.length - 1; i >= 0; i--) {
      const acc = { ...suffix[i + 1]! };
      for (const body of sorted[i]!.bodies) {
        const at = seen.get(body);
        if (!at) continue;
        acc.count++;
        if (!acc.best || at.firstCompleted < acc.best.at.firstCompleted) acc.best = { body, at };
      }
      suffix[i] = acc;
    }
    sorted.forEach((p) => {
      const later = firstAfter(sorted, p.op.completedAt!);
      p.bodies.forEach((a, k) => {
        if (dead.has(a)) return;
        let best = suffix[later]!.best;
        pairs += suffix[later]!.count;
        for (const b of p.bodies.slice(k + 1)) {
          const at = seen.get(b);
          if (!at) continue;
          pairs++;
          if (!best || at.firstCompleted < best.at.firstCompleted) best = { body: b, at };
        }
        if (!best) return;
        const sa = seen.get(a);
        if (!sa) {
          if (!deadUnknown)
            violations.push({ kind: 'skipped', group: p.group, first: a, second: best.body, ops: [p.op, best.at.op] });
        } else if (best.at.firstCompleted < sa.firstInvoked)
          violations.push({ kind: 'order', group: p.group, first: a, second: best.body, ops: [sa.op, best.at.op] });
      });
    });
  }
  return { violations, pairs };
}

interface Sighting {
  /** Invocation of the consume that first (by invocation) saw the body. */
  firstInvoked: number;
  /** Earliest completion of a consume that saw it. */
  firstCompleted: number;
  op: HistoryOp;
}

function firstSightings(deliveries: readonly Delivery[]): Map<string, Sighting> {
  const seen = new Map<string, Sighting>();
  for (const d of deliveries) {
    const s = seen.get(d.body);
    if (!s) seen.set(d.body, { firstInvoked: d.consume.invokedAt, firstCompleted: d.start, op: d.consume });
    else {
      if (d.consume.invokedAt < s.firstInvoked) {
        s.firstInvoked = d.consume.invokedAt;
        s.op = d.consume;
      }
      s.firstCompleted = Math.min(s.firstCompleted, d.start);
    }
  }
  return seen;
}

/** Index of the first publish (sorted by invocation) invoked after `t`; the length when none. */
function firstAfter(sorted: readonly Publish[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.op.invokedAt > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A readable report; empty when the history passed. */
export function formatGroupCheck(result: GroupCheckResult): string {
  if (result.ok) return '';
  const what = {
    order: 'came out before',
    overlap: 'was in flight together with',
    skipped: 'never came out (nor dead-lettered), yet the later',
  };
  return [
    `message-group violations (${result.violations.length}):`,
    ...result.violations
      .slice(0, REPORT_LIMIT)
      .map(
        (v) =>
          `  group ${v.group}: ${JSON.stringify(v.kind === 'order' ? v.second : v.first)} ${what[v.kind]} ${JSON.stringify(v.kind === 'order' ? v.first : v.second)}${v.kind === 'skipped' ? ' came out' : ''}\n    ${v.ops.map(formatOp).join('\n    ')}`,
      ),
    ...(result.violations.length > REPORT_LIMIT ? [`  … and ${result.violations.length - REPORT_LIMIT} more`] : []),
  ].join('\n');
}

function byGroup<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

function messagesOf(op: HistoryOp): { body: string; receipt?: unknown; group?: unknown }[] {
  const messages = isRecord(op.value) ? op.value.messages : undefined;
  if (!Array.isArray(messages) || !messages.every((m) => isRecord(m) && typeof m.body === 'string'))
    throw new Error(`${op.op} needs an ok value {messages: [{body}]}: ${formatOp(op)}`);
  return messages as { body: string; receipt?: unknown; group?: unknown }[];
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
