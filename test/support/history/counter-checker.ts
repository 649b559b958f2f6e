// Lost-update check for a counter incremented under the lock with fencing tokens
// (docs/correctness.md: a stale holder's write must be refused). The history, op by op:
//   read  {token}         ok value {value}; fail value {error: 'fenced'} (store refused the token)
//   write {token, value}  value = 1 + what this client read with the same token;
//                         ok = stored, fail = refused by the fence, unknown = may or may not be stored
//   final {}              ok value {value}: a plain read after every client stopped
// The counter starts at 0, and each lock grant (token) does one read and at most one write.
//
// Why this is sound: with a working lock and fence the stored writes form one
// chain 1, 2, 3, … whose tokens strictly increase (a write with an older token
// than the last read/write is refused). Unknown writes may be links of that chain;
// failed writes never are. Everything below follows from that chain alone.
import { isRecord } from './history-io.js';
import { fmtTime, formatOp, type HistoryOp } from './history-types.js';

export type CounterAnomalyKind = 'lost-update' | 'token-order' | 'final-mismatch' | 'phantom-read';

export interface CounterAnomaly {
  readonly kind: CounterAnomalyKind;
  /** The operations that prove it. */
  readonly ops: readonly HistoryOp[];
  readonly message: string;
}

export interface CounterCheckStats {
  /** ok reads (fenced reads are not counted). */
  readonly reads: number;
  readonly writesOk: number;
  readonly writesFenced: number;
  /** unknown or pending writes. */
  readonly writesUnknown: number;
  /** The final read's value; undefined when it did not succeed (then nothing is checked against it). */
  readonly final: number | undefined;
}

export interface CounterCheckResult {
  readonly ok: boolean;
  readonly anomalies: readonly CounterAnomaly[];
  readonly stats: CounterCheckStats;
}

interface Parsed {
  readonly op: HistoryOp;
  readonly token: number;
  /** read: the value returned (ok only); write: the value written. */
  readonly value: number | undefined;
}

export function checkCounterHistory(history: readonly HistoryOp[]): CounterCheckResult {
  const reads: Parsed[] = [];
  const writes: Parsed[] = [];
  const finals: HistoryOp[] = [];
  for (const op of history) {
    if (op.op === 'final') {
      if (op.outcome === 'ok') finals.push(op);
      continue;
    }
    if (op.op !== 'read' && op.op !== 'write') continue;
    const args = isRecord(op.args) ? op.args : {};
    const value = op.op === 'write' ? args.value : op.outcome === 'ok' ? valueOf(op) : undefined;
    if (typeof args.token !== 'number' || (op.op === 'write' && typeof value !== 'number'))
      throw new Error(`counter ${op.op} needs args {token${op.op === 'write' ? ', value' : ''}}: ${formatOp(op)}`);
    (op.op === 'read' ? reads : writes).push({ op, token: args.token, value: value as number | undefined });
  }
  const okReads = reads.filter((r) => r.op.outcome === 'ok');
  const okWrites = writes.filter((w) => w.op.outcome === 'ok');
  // Writes that may have been stored: the candidates for every value anyone saw.
  const mayStore = writes.filter((w) => w.op.outcome !== 'fail');

  const anomalies = [
    ...lostUpdates(okWrites, okReads),
    ...tokenOrder(okWrites),
    ...phantoms(okReads, okWrites, mayStore),
    ...finals.flatMap((f) => finalMismatch(f, okWrites, mayStore)),
  ];
  const final = finals.at(-1);
  return {
    ok: anomalies.length === 0,
    anomalies,
    stats: {
      reads: okReads.length,
      writesOk: okWrites.length,
      writesFenced: writes.filter((w) => w.op.outcome === 'fail').length,
      writesUnknown: writes.length - okWrites.length - writes.filter((w) => w.op.outcome === 'fail').length,
      final: final ? valueOf(final) : undefined,
    },
  };
}

/** A readable multi-line report; empty when the history passed. */
export function formatCounterCheck(result: CounterCheckResult): string {
  return result.anomalies
    .map((a, i) => `${i + 1}. [${a.kind}] ${a.message}\n${a.ops.map((op) => `     ${formatOp(op)}`).join('\n')}`)
    .join('\n');
}

function valueOf(op: HistoryOp): number {
  const value = isRecord(op.value) ? op.value.value : undefined;
  if (typeof value !== 'number') throw new Error(`counter ${op.op} ok needs value {value: number}: ${formatOp(op)}`);
  return value;
}

/** The read a write was computed from: same token and process, the latest invoked before the write. */
function readFor(w: Parsed, okReads: readonly Parsed[]): Parsed | undefined {
  return okReads
    .filter((r) => r.token === w.token && r.op.process === w.op.process && r.op.invokedAt <= w.op.invokedAt)
    .at(-1);
}

function lostUpdates(okWrites: readonly Parsed[], okReads: readonly Parsed[]): CounterAnomaly[] {
  const out: CounterAnomaly[] = [];
  const byValue = new Map<number, Parsed[]>();
  for (const w of okWrites) byValue.set(w.value as number, [...(byValue.get(w.value as number) ?? []), w]);
  for (const [value, same] of byValue) {
    if (same.length < 2) continue;
    out.push({
      kind: 'lost-update',
      ops: same.map((w) => w.op),
      message: `${same.length} acknowledged writes stored ${value} (tokens ${same.map((w) => w.token).join(', ')}): all but one increment was lost`,
    });
  }
  for (const w of okWrites) {
    const r = readFor(w, okReads);
    if (r && w.value !== (r.value as number) + 1) {
      out.push({
        kind: 'lost-update',
        ops: [r.op, w.op],
        message: `token ${w.token} read ${r.value} but stored ${w.value}, not ${(r.value as number) + 1}`,
      });
    }
  }
  return out;
}

/** Along the stored chain (ok writes by value) tokens must strictly increase: one write per token. */
function tokenOrder(okWrites: readonly Parsed[]): CounterAnomaly[] {
  const sorted = [...okWrites].sort((a, b) => (a.value as number) - (b.value as number));
  const out: CounterAnomaly[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as Parsed;
    const b = sorted[i] as Parsed;
    if (a.value === b.value || b.token > a.token) continue;
    out.push({
      kind: 'token-order',
      ops: [a.op, b.op],
      message: `value ${b.value} was stored with token ${b.token}, after value ${a.value} with token ${a.token}: the fence let a stale token through`,
    });
  }
  return out;
}

/**
 * A value > 0 must come from a write that may have been stored: for a read, one
 * invoked before the read returned; for an ok write of v, one of v - 1 (checked
 * only when the write's own read is missing, else the read's check covers it).
 */
function phantoms(
  okReads: readonly Parsed[],
  okWrites: readonly Parsed[],
  mayStore: readonly Parsed[],
): CounterAnomaly[] {
  const out: CounterAnomaly[] = [];
  for (const r of okReads) {
    const v = r.value as number;
    if (v > 0 && !mayStore.some((w) => w.value === v && w.op.invokedAt <= (r.op.completedAt ?? Infinity))) {
      out.push({
        kind: 'phantom-read',
        ops: [r.op],
        message: `token ${r.token} read ${v}, which no write invoked before ${fmtTime(r.op.completedAt ?? Infinity)} may have stored`,
      });
    }
  }
  for (const w of okWrites) {
    const v = w.value as number;
    if (v > 1 && !readFor(w, okReads) && !mayStore.some((x) => x.value === v - 1)) {
      out.push({
        kind: 'phantom-read',
        ops: [w.op],
        message: `token ${w.token} stored ${v}, but no write may have stored ${v - 1} for it to read`,
      });
    }
  }
  return out;
}

/**
 * Every ok write done before the final read began is in the chain below it, so
 * final >= their max; and final itself is 0 or a value some write (invoked before
 * the final read returned) may have stored.
 */
function finalMismatch(final: HistoryOp, okWrites: readonly Parsed[], mayStore: readonly Parsed[]): CounterAnomaly[] {
  const value = valueOf(final);
  const before = okWrites.filter((w) => (w.op.completedAt as number) < final.invokedAt);
  const top = before.reduce<Parsed | undefined>(
    (a, w) => (!a || (w.value as number) > (a.value as number) ? w : a),
    undefined,
  );
  if (top && value < (top.value as number)) {
    return [
      {
        kind: 'final-mismatch',
        ops: [top.op, final],
        message: `final value ${value} is below ${top.value}, acknowledged before the final read began: acknowledged increments were lost`,
      },
    ];
  }
  const source = mayStore.find((w) => w.value === value && w.op.invokedAt <= (final.completedAt ?? Infinity));
  if (value !== 0 && !source) {
    return [
      {
        kind: 'final-mismatch',
        ops: [final],
        message: `final value ${value} was never written (highest acknowledged: ${top?.value ?? 'none'})`,
      },
    ];
  }
  return [];
}
