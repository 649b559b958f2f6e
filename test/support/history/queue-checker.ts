// Jepsen's "total queue" check for an at-least-once queue: every acknowledged
// publish must come out (consumed, or moved to the dead-letter list after the
// delivery limit), and nothing may come out that no publish could have put in.
// Duplicates are legal (at-least-once) and only counted.
//
// The history a queue workload records (HistoryRecorder), op by op:
//   publish {topic, messages: string[]}      ok = 201 (acknowledged), fail = 4xx
//                                            (definite refusal), unknown = timeout/5xx/network.
//                                            Bodies are unique across the run (a retry may reuse them).
//   consume {topic}                          ok value {messages: [{id, body, deliveries}]}.
//   ack {topic, bodies: string[]}            ok value {acked}. Ignored here: an ack proves nothing about loss.
//   dead {topic}                             ok value {messages: [{body}]}: the dead-letter list, read at the end.
// Only ok consume/dead values are evidence; an unknown consume saw nothing we know of.
import { isRecord } from './history-io.js';
import { fmtTime, formatOp, type HistoryOp } from './history-types.js';

export interface PublishArgs {
  readonly topic: string;
  readonly messages: readonly string[];
}
export interface TopicArgs {
  readonly topic: string;
}
export type ConsumeArgs = TopicArgs;
export type DeadArgs = TopicArgs;
export interface ConsumedMessage {
  readonly id: string;
  readonly body: string;
  /** The server's delivery count; not used (it also counts deliveries whose response was lost). */
  readonly deliveries: number;
}
export interface ConsumeValue {
  readonly messages: readonly ConsumedMessage[];
}
export interface AckArgs {
  readonly topic: string;
  readonly bodies: readonly string[];
}
export interface AckValue {
  readonly acked: number;
}
export interface DeadValue {
  readonly messages: readonly { readonly body: string }[];
}

export interface QueueCheckStats {
  /** Distinct bodies with an acknowledged publish. */
  readonly published: number;
  /** Distinct bodies whose publishes were unknown/pending (none acknowledged). */
  readonly publishUnknown: number;
  /** Distinct bodies whose every publish was definitely refused. */
  readonly publishFailed: number;
  /** Distinct bodies seen in ok consumes. */
  readonly delivered: number;
  /** Every sighting in ok consumes, duplicates included. */
  readonly deliveries: number;
  /** Distinct bodies in dead-letter reads. */
  readonly deadLettered: number;
  /** Bodies of unknown publishes that came out anyway (consumed or dead-lettered). */
  readonly recoveredUnknown: number;
}

export interface QueueCheckResult {
  readonly ok: boolean;
  /** Acknowledged bodies never consumed nor dead-lettered. */
  readonly lost: readonly string[];
  /** Bodies that came out without a publish that may have put them in (none, or only refused ones, or invoked later). */
  readonly unexpected: readonly string[];
  /** Consumed sightings beyond each body's first, summed. */
  readonly duplicates: number;
  /** Bodies consumed more than once. */
  readonly duplicatedMessages: number;
  readonly stats: QueueCheckStats;
  /** The ops behind `lost` and `unexpected`, same order, for the report. */
  readonly evidence: { readonly lost: readonly QueueEvidence[]; readonly unexpected: readonly QueueEvidence[] };
}

export interface QueueEvidence {
  readonly topic: string;
  readonly body: string;
  readonly publishes: readonly HistoryOp[];
  /** ok consume/dead ops the body appeared in, one entry per sighting. */
  readonly seenIn: readonly HistoryOp[];
  /** Sightings in ok consumes. */
  readonly consumed: number;
  readonly deadLettered: boolean;
}

interface Mutable extends QueueEvidence {
  readonly publishes: HistoryOp[];
  readonly seenIn: HistoryOp[];
  consumed: number;
  deadLettered: boolean;
}

const REPORT_LIMIT = 20;

export function checkQueueHistory(history: readonly HistoryOp[]): QueueCheckResult {
  // Keyed by topic and body: a body coming out of another topic is both lost and unexpected.
  const byMessage = new Map<string, Mutable>();
  const entry = (topic: string, body: string): Mutable => {
    const key = JSON.stringify([topic, body]);
    let e = byMessage.get(key);
    if (!e) byMessage.set(key, (e = { topic, body, publishes: [], seenIn: [], consumed: 0, deadLettered: false }));
    return e;
  };
  for (const op of history) {
    if (op.op === 'publish') {
      const args = op.args;
      if (!isRecord(args) || typeof args.topic !== 'string' || !isStrings(args.messages))
        throw new Error(`publish needs args {topic, messages: string[]}: ${formatOp(op)}`);
      for (const body of args.messages) entry(args.topic, body).publishes.push(op);
    } else if ((op.op === 'consume' || op.op === 'dead') && op.outcome === 'ok') {
      const topic = isRecord(op.args) ? op.args.topic : undefined;
      const messages = isRecord(op.value) ? op.value.messages : undefined;
      if (
        typeof topic !== 'string' ||
        !Array.isArray(messages) ||
        !messages.every((m) => isRecord(m) && typeof m.body === 'string')
      ) {
        throw new Error(`${op.op} needs args {topic} and an ok value {messages: [{body}]}: ${formatOp(op)}`);
      }
      for (const m of messages as { body: string }[]) {
        const e = entry(topic, m.body);
        e.seenIn.push(op);
        if (op.op === 'consume') e.consumed++;
        else e.deadLettered = true;
      }
    }
  }

  const all = [...byMessage.values()];
  const acknowledged = all.filter((e) => statusOf(e) === 'ok');
  const maybe = all.filter((e) => statusOf(e) === 'unknown');
  const lost = acknowledged.filter((e) => e.seenIn.length === 0);
  const unexpected = all.filter((e) => e.seenIn.length > 0 && !justified(e));
  const consumed = all.filter((e) => e.consumed > 0);
  const duplicated = consumed.filter((e) => e.consumed > 1);
  return {
    ok: lost.length === 0 && unexpected.length === 0,
    lost: lost.map((e) => e.body),
    unexpected: unexpected.map((e) => e.body),
    duplicates: duplicated.reduce((n, e) => n + e.consumed - 1, 0),
    duplicatedMessages: duplicated.length,
    stats: {
      published: acknowledged.length,
      publishUnknown: maybe.length,
      publishFailed: all.filter((e) => statusOf(e) === 'fail').length,
      delivered: consumed.length,
      deliveries: consumed.reduce((n, e) => n + e.consumed, 0),
      deadLettered: all.filter((e) => e.deadLettered).length,
      recoveredUnknown: maybe.filter((e) => e.seenIn.length > 0).length,
    },
    evidence: { lost, unexpected },
  };
}

/** A readable report; empty when the history passed. */
export function formatQueueCheck(result: QueueCheckResult): string {
  if (result.ok) return '';
  const describe = (e: QueueEvidence): string => {
    const pubs = e.publishes.length ? e.publishes.map((p) => `#${p.index} ${p.outcome}`).join(', ') : 'none';
    const first = e.seenIn.reduce<HistoryOp | undefined>(
      (a, op) => (!a || firstOut(op) < firstOut(a) ? op : a),
      undefined,
    );
    const seen = first ? `; first out in ${first.op} #${first.index} at ${fmtTime(firstOut(first))}` : '';
    return `${JSON.stringify(e.body)} (topic ${e.topic}; publishes: ${pubs}${seen})`;
  };
  const list = (title: string, items: readonly QueueEvidence[]): string[] =>
    items.length === 0
      ? []
      : [
          `${title} (${items.length}):`,
          ...items.slice(0, REPORT_LIMIT).map((e) => `  ${describe(e)}`),
          ...(items.length > REPORT_LIMIT ? [`  … and ${items.length - REPORT_LIMIT} more`] : []),
        ];
  const s = result.stats;
  return [
    ...list('lost: acknowledged but never consumed nor dead-lettered', result.evidence.lost),
    ...list('unexpected: came out without a publish that may have put it in', result.evidence.unexpected),
    `published ${s.published} acknowledged, ${s.publishUnknown} unknown, ${s.publishFailed} refused; delivered ${s.delivered} (${s.deliveries} deliveries, ${result.duplicates} duplicates), dead-lettered ${s.deadLettered}, unknown recovered ${s.recoveredUnknown}`,
  ].join('\n');
}

/** ok if any publish was acknowledged, else unknown if any may have taken effect, else fail. */
function statusOf(e: QueueEvidence): 'ok' | 'unknown' | 'fail' | 'none' {
  if (e.publishes.some((p) => p.outcome === 'ok')) return 'ok';
  if (e.publishes.some((p) => p.outcome === 'unknown' || p.outcome === 'pending')) return 'unknown';
  return e.publishes.length ? 'fail' : 'none';
}

/** Some non-refused publish was invoked before the body's first sighting completed. */
function justified(e: QueueEvidence): boolean {
  const out = Math.min(...e.seenIn.map(firstOut));
  return e.publishes.some((p) => p.outcome !== 'fail' && p.invokedAt <= out);
}

const firstOut = (op: HistoryOp): number => op.completedAt ?? Infinity;

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
