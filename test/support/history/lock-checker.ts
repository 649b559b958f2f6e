// Checks a lock-service history for the two safety properties of docs/correctness.md:
// mutual exclusion (per resource: one exclusive holder, or only shared ones; for a
// semaphore of N permits, at most N holders at once) and fencing tokens that strictly
// increase in grant order. It reports only what the
// history proves: a client cannot see the server's grant instant or lease clock,
// so every bound below is the one a client can justify from its own timings.
import { fmtTime, formatOp, type HistoryOp } from './history-types.js';
import { parseLockOps, type AcquireOp, type LockMode, type LockOp, type ReleaseOp, type RenewOp } from './lock-ops.js';

export type LockViolationKind =
  'exclusive-overlap' | 'exclusive-shared-overlap' | 'permits-exceeded' | 'token-order' | 'duplicate-token';

export interface LockViolation {
  readonly kind: LockViolationKind;
  readonly resource: string;
  /** The operations that prove it, each with its times. */
  readonly ops: readonly HistoryOp[];
  readonly message: string;
}

/** An interval in which the owner held the lease, whatever the server's unseen timing was. */
export interface CertainHold {
  readonly resource: string;
  readonly owner: string;
  readonly mode: LockMode;
  readonly fencingToken: number;
  readonly start: number;
  readonly end: number;
  /** Why the hold ends there: the lease bound or the op that may have ended it. */
  readonly endReason: string;
  /** The grant's acquire ops (the first grant plus same-token re-acquires). */
  readonly acquires: readonly HistoryOp[];
}

export interface LockCheckStats {
  readonly ops: number;
  readonly resources: number;
  readonly grants: number;
  readonly certainHolds: number;
  readonly unknownOps: number;
}

export interface LockCheckResult {
  readonly ok: boolean;
  readonly violations: readonly LockViolation[];
  readonly holds: readonly CertainHold[];
  readonly stats: LockCheckStats;
}

export interface LockCheckOptions {
  /**
   * Subtracted from every TTL before bounding a lease: covers clock-rate
   * differences between the client and the server timing the lease. Default 0.
   */
  readonly leaseMarginMs?: number;
  /**
   * Allow two shared grants with overlapping acquire windows to carry the same
   * token (a server that grants queued readers in one log entry and uses the
   * entry's index as token). Default false: every grant has its own token.
   */
  readonly sharedGrantsMayShareToken?: boolean;
}

/** One lease: the first grant and its same-owner, same-token re-acquires. */
interface Grant {
  readonly id: number;
  readonly resource: string;
  readonly owner: string;
  readonly token: number;
  readonly mode: LockMode;
  readonly acquires: AcquireOp[];
  /**
   * Earliest op that may have made the grant: the earliest of its acquires, or an
   * earlier acquire by the owner with unknown outcome (it may have granted the
   * lease that a later acquire only refreshed).
   */
  grantFrom: AcquireOp;
  /** Set when a definite release separated this grant from an earlier one with the same token. */
  reusedAfter?: { readonly grant: Grant; readonly release: LockOp };
}

export function checkLockHistory(history: readonly HistoryOp[], options: LockCheckOptions = {}): LockCheckResult {
  const ops = parseLockOps(history);
  const byResource = new Map<string, LockOp[]>();
  for (const op of ops) {
    const list = byResource.get(op.resource) ?? [];
    list.push(op);
    byResource.set(op.resource, list);
  }
  const violations: LockViolation[] = [];
  const holds: CertainHold[] = [];
  let grantCount = 0;
  for (const [resource, list] of byResource) {
    const grants = groupGrants(list);
    grantCount += grants.length;
    const resourceHolds = grants
      .map((g) => certainHold(g, list, options.leaseMarginMs ?? 0))
      .filter((h): h is CertainHold => h !== undefined);
    holds.push(...resourceHolds);
    const permits = permitsOf(resource, list);
    violations.push(
      ...(permits > 1 ? overAdmitted(resource, resourceHolds, permits) : overlaps(resource, resourceHolds)),
    );
    violations.push(...duplicateTokens(resource, grants, options.sharedGrantsMayShareToken ?? false));
    violations.push(...tokenOrder(resource, grants));
  }
  return {
    ok: violations.length === 0,
    violations,
    holds,
    stats: {
      ops: ops.length,
      resources: byResource.size,
      grants: grantCount,
      certainHolds: holds.length,
      unknownOps: ops.filter((o) => o.op.outcome === 'unknown' || o.op.outcome === 'pending').length,
    },
  };
}

/** A readable multi-line report; empty when the history passed. */
export function formatLockViolations(result: LockCheckResult): string {
  return result.violations
    .map((v, i) => `${i + 1}. [${v.kind}] ${v.message}\n${v.ops.map((op) => `     ${formatOp(op)}`).join('\n')}`)
    .join('\n');
}

const byInvoke = <T extends { readonly invokedAt: number; readonly op: HistoryOp }>(a: T, b: T): number =>
  a.invokedAt - b.invokedAt || a.op.index - b.op.index;

/**
 * Same owner + same token = the same lease (the service answers a re-acquire by
 * the holder with its current token), unless a definite release or not_held
 * answer lies wholly between them: then the second is a new grant reusing a token.
 */
function groupGrants(list: readonly LockOp[]): Grant[] {
  const granted = list.filter((o): o is AcquireOp => o.kind === 'acquire' && o.result === 'granted').sort(byInvoke);
  const enders = list.filter(
    (o): o is ReleaseOp | RenewOp =>
      (o.kind === 'release' && o.result === 'ended') || (o.kind === 'renew' && o.result === 'notHeld'),
  );
  const grants: Grant[] = [];
  for (const a of granted) {
    const token = a.fencingToken as number;
    const previous = grants.filter((g) => g.owner === a.owner && g.token === token).at(-1);
    const separator =
      previous &&
      enders.find(
        (e) =>
          e.owner === a.owner && e.effectEnd < a.invokedAt && previous.acquires.some((m) => m.effectEnd < e.invokedAt),
      );
    if (previous && !separator) {
      previous.acquires.push(a);
      continue;
    }
    const grant: Grant = {
      id: grants.length,
      resource: a.resource,
      owner: a.owner,
      token,
      mode: a.mode,
      acquires: [a],
      grantFrom: a,
    };
    if (previous && separator) grant.reusedAfter = { grant: previous, release: separator };
    grants.push(grant);
  }
  const maybe = list.filter((o): o is AcquireOp => o.kind === 'acquire' && o.result === 'maybe');
  for (const g of grants) {
    const firstDone = Math.min(...g.acquires.map((a) => a.effectEnd));
    for (const m of maybe)
      if (m.owner === g.owner && m.invokedAt < firstDone && m.invokedAt < g.grantFrom.invokedAt) g.grantFrom = m;
  }
  return grants;
}

/**
 * The hold starts at the first grant's completion (the server granted before it
 * answered). The lease cannot expire before (latest invocation of a refresh in
 * the chain) + (smallest TTL any possible refresh asked for): the server starts
 * the clock no earlier than that invocation and never expires early. Any release
 * (ok or unknown) or not_held answer by the owner that may have taken effect
 * after the grant may have ended the hold as early as its invocation; so may a
 * grant to the same owner with another token (an upgrade replaces the lease).
 */
function certainHold(g: Grant, list: readonly LockOp[], marginMs: number): CertainHold | undefined {
  const first = g.acquires.reduce((best, a) => (a.effectEnd < best.effectEnd ? a : best));
  const start = first.effectEnd;
  const earliestGrant = g.grantFrom.invokedAt;
  const own = list.filter((o) => o.owner === g.owner);

  // Refreshes that may have set the lease's final TTL: this grant's acquires, unknown
  // acquires/renews, and renews not known to belong to another lease.
  const mayRefresh = own.filter(
    (o): o is AcquireOp | RenewOp =>
      o.effectEnd >= earliestGrant &&
      ((o.kind === 'acquire' && (o.result === 'maybe' || (o.result === 'granted' && o.fencingToken === g.token))) ||
        (o.kind === 'renew' &&
          (o.result === 'maybe' ||
            (o.result === 'renewed' && (o.fencingToken === undefined || o.fencingToken === g.token))))),
  );
  const ttls = mayRefresh.map((o) => o.ttlMs).filter((t): t is number => t !== undefined);
  const minTtl = Math.min(...ttls) - marginMs;

  // Definite refreshes extend the bound only while the lease is certainly alive,
  // so a lease that lapsed and was re-granted with the same token is not bridged.
  let leaseEnd = first.invokedAt + minTtl;
  let leaseReason = `lease bound: acquire #${first.op.index} invoked ${fmtTime(first.invokedAt)} + ttl ${minTtl}`;
  const chain = mayRefresh
    .filter((o) => o !== first && (o.kind === 'acquire' ? o.result === 'granted' : o.result === 'renewed'))
    .sort(byInvoke);
  for (const r of chain) {
    const tokenProvesLease = r.kind === 'renew' && r.fencingToken === g.token;
    if (r.invokedAt <= leaseEnd && (tokenProvesLease || r.effectEnd <= leaseEnd) && r.invokedAt + minTtl > leaseEnd) {
      leaseEnd = r.invokedAt + minTtl;
      leaseReason = `lease bound: ${r.kind} #${r.op.index} invoked ${fmtTime(r.invokedAt)} + ttl ${minTtl}`;
    }
  }

  let end = leaseEnd;
  let endReason = leaseReason;
  for (const e of own) {
    // A grant to the same owner with another token means this lease had ended or
    // was replaced (a shared holder upgraded in place, with a new token and TTL).
    const replaced = e.kind === 'acquire' && e.result === 'granted' && e.fencingToken !== g.token;
    const mayEnd =
      (e.kind === 'release' && e.result !== 'none') || (e.kind === 'renew' && e.result === 'notHeld') || replaced;
    if (mayEnd && e.effectEnd >= earliestGrant && e.invokedAt < end) {
      end = e.invokedAt;
      endReason = `${e.kind} #${e.op.index} invoked ${fmtTime(e.invokedAt)} may have ended it`;
    }
  }
  if (!(end > start)) return undefined;
  return {
    resource: g.resource,
    owner: g.owner,
    mode: g.mode,
    fencingToken: g.token,
    start,
    end,
    endReason,
    acquires: g.acquires.map((a) => a.op),
  };
}

function describeHold(h: CertainHold): string {
  return `${h.owner} (${h.mode}, token ${h.fencingToken}) certainly held [${fmtTime(h.start)}, ${fmtTime(h.end)}] (from acquire #${h.acquires[0]?.index} completing; ends: ${h.endReason})`;
}

function overlaps(resource: string, holds: readonly CertainHold[]): LockViolation[] {
  const out: LockViolation[] = [];
  const sorted = [...holds].sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as CertainHold;
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j] as CertainHold;
      if (b.start >= a.end) break;
      if (a.owner === b.owner || (a.mode === 'shared' && b.mode === 'shared')) continue;
      const kind = a.mode === 'exclusive' && b.mode === 'exclusive' ? 'exclusive-overlap' : 'exclusive-shared-overlap';
      out.push({
        kind,
        resource,
        ops: [...a.acquires, ...b.acquires],
        message: `resource ${resource}: ${describeHold(a)} overlaps ${describeHold(b)} during [${fmtTime(b.start)}, ${fmtTime(Math.min(a.end, b.end))}]`,
      });
    }
  }
  return out;
}

/** The resource's permit count as its acquires asked for it; a history must use one count per resource. */
function permitsOf(resource: string, list: readonly LockOp[]): number {
  const counts = new Set(list.flatMap((o) => (o.kind === 'acquire' ? [o.permits] : [])));
  if (counts.size > 1) throw new Error(`resource ${resource} was asked for with permits ${[...counts].join(' and ')}`);
  return counts.values().next().value ?? 1;
}

/** A semaphore: at no instant more certain holds, by distinct owners, than permits. */
function overAdmitted(resource: string, holds: readonly CertainHold[], permits: number): LockViolation[] {
  const out: LockViolation[] = [];
  const sorted = [...holds].sort((a, b) => a.start - b.start);
  for (const [i, h] of sorted.entries()) {
    // Every hold still certain when h starts, h included: they all hold at h.start.
    const live = sorted.slice(0, i + 1).filter((o) => o.end > h.start);
    const owners = new Set(live.map((o) => o.owner));
    if (owners.size <= permits) continue;
    out.push({
      kind: 'permits-exceeded',
      resource,
      ops: live.flatMap((o) => o.acquires),
      message: `semaphore ${resource} (${permits} permits) had ${owners.size} holders at ${fmtTime(h.start)}: ${live.map(describeHold).join('; ')}`,
    });
  }
  return out;
}

/** Acquire windows overlap: the server may have granted both in one step. */
const concurrent = (a: Grant, b: Grant): boolean =>
  a.acquires.some((x) => b.acquires.some((y) => x.invokedAt <= y.effectEnd && y.invokedAt <= x.effectEnd));

function duplicateTokens(resource: string, grants: readonly Grant[], sharedMayShare: boolean): LockViolation[] {
  const out: LockViolation[] = [];
  const byToken = new Map<number, Grant[]>();
  for (const g of grants) byToken.set(g.token, [...(byToken.get(g.token) ?? []), g]);
  for (const [token, same] of byToken) {
    for (let i = 1; i < same.length; i++) {
      const a = same[i - 1] as Grant;
      const b = same[i] as Grant;
      if (sharedMayShare && a.mode === 'shared' && b.mode === 'shared' && concurrent(a, b)) continue;
      const why =
        b.reusedAfter && b.reusedAfter.grant === a
          ? `after ${b.owner}'s release #${b.reusedAfter.release.op.index} ended the first grant`
          : `to ${a.owner} and ${b.owner}`;
      out.push({
        kind: 'duplicate-token',
        resource,
        ops: [
          ...a.acquires.map((x) => x.op),
          ...b.acquires.map((x) => x.op),
          ...(b.reusedAfter ? [b.reusedAfter.release.op] : []),
        ],
        message: `resource ${resource}: fencing token ${token} was issued for two different grants, ${why}`,
      });
    }
  }
  return out;
}

/**
 * A grant happened inside [grantFrom's invocation, earliest completion] of its
 * acquires (later same-token acquires are refreshes, not grants). If grant A's
 * window ends before grant B's begins, token(A) < token(B) must hold. One sweep:
 * grants by window end, keeping the largest token seen so far.
 */
function tokenOrder(resource: string, grants: readonly Grant[]): LockViolation[] {
  const windows = grants.map((grant) => ({
    grant,
    from: grant.grantFrom,
    to: grant.acquires.reduce((x, a) => (a.effectEnd < x.effectEnd ? a : x)),
  }));
  const byEnd = [...windows].sort((a, b) => a.to.effectEnd - b.to.effectEnd);
  const byStart = [...windows].sort((a, b) => a.from.invokedAt - b.from.invokedAt);
  const out: LockViolation[] = [];
  let best: (typeof windows)[number] | undefined;
  let k = 0;
  for (const b of byStart) {
    for (; k < byEnd.length && (byEnd[k] as (typeof windows)[number]).to.effectEnd < b.from.invokedAt; k++) {
      const cand = byEnd[k] as (typeof windows)[number];
      if (!best || cand.grant.token > best.grant.token) best = cand;
    }
    if (best && best.grant.token > b.grant.token) {
      out.push({
        kind: 'token-order',
        resource,
        ops: [best.to.op, b.from.op],
        message: `resource ${resource}: ${b.grant.owner}'s grant got token ${b.grant.token} at #${b.from.op.index} (invoked ${fmtTime(b.from.invokedAt)}), but ${best.grant.owner}'s grant #${best.to.op.index} had already completed at ${fmtTime(best.to.effectEnd)} with the larger token ${best.grant.token}`,
      });
    }
  }
  return out;
}
