// Test support, not exported: the lock rules restated as plainly as possible over flat
// arrays (no maps, no incremental structures, reachability by brute-force fixpoint), so
// the property tests can hold LockTable against an independent, obviously-correct model.
import type {
  ApplyOutcome,
  HolderView,
  LockCommand,
  LockEvent,
  LockMode,
  LockResult,
  WaiterView,
} from './lock-commands.js';
import { MAX_REMEMBERED_REQUESTS } from './lock-limits.js';

/** The model knows locks, not semaphores or sets; lock-sets.property.spec.ts checks those by invariants. */
export type SingleLockCommand = Extract<LockCommand, { readonly resource: string }>;

interface ModelHolder extends HolderView {
  readonly resource: string;
}
interface ModelWaiter extends WaiterView {
  readonly resource: string;
}
/** `from` waits on `resource` for `to`. */
export interface ModelEdge {
  readonly from: string;
  readonly to: string;
  readonly resource: string;
}

const conflicts = (a: LockMode, b: LockMode): boolean => a === 'exclusive' || b === 'exclusive';
const strip = ({ owner, mode, fencingToken, ttlMs, leaseIndex }: HolderView): HolderView => ({
  owner,
  mode,
  fencingToken,
  ttlMs,
  leaseIndex,
});
const stripW = ({ owner, mode, waitId, waitMs, ttlMs }: WaiterView): WaiterView => ({
  owner,
  mode,
  waitId,
  waitMs,
  ttlMs,
});

export class ReferenceLockModel {
  /** Global grant order; a resource's holders are the filtered subsequence. */
  holders: ModelHolder[] = [];
  /** Global queue order (waitId ascending); a resource's queue is the filtered subsequence. */
  waiters: ModelWaiter[] = [];
  requests: Array<{ key: string; result: LockResult }> = [];
  highest = 0;
  /** Whether the last apply was answered from the request cache. */
  lastWasCached = false;

  holdersOf(r: string): ModelHolder[] {
    return this.holders.filter((h) => h.resource === r);
  }
  queueOf(r: string): ModelWaiter[] {
    return this.waiters.filter((w) => w.resource === r);
  }
  view(r: string): { permits: number; holders: HolderView[]; waiters: WaiterView[] } {
    return { permits: 1, holders: this.holdersOf(r).map(strip), waiters: this.queueOf(r).map(stripW) };
  }

  /** Who `owner` (wanting `mode` on r, with `ahead` queued before it) waits for. */
  blockers(r: string, owner: string, mode: LockMode, ahead: ModelWaiter[]): string[] {
    return [...this.holdersOf(r), ...ahead]
      .filter((x) => x.owner !== owner && conflicts(x.mode, mode))
      .map((x) => x.owner);
  }

  edges(): ModelEdge[] {
    const out: ModelEdge[] = [];
    for (const w of this.waiters) {
      const q = this.queueOf(w.resource);
      const ahead = q.slice(0, q.indexOf(w));
      for (const to of this.blockers(w.resource, w.owner, w.mode, ahead))
        out.push({ from: w.owner, to, resource: w.resource });
    }
    return out;
  }

  /** Every owner reachable from `start` along the wait-for edges (start included). */
  reachable(start: string[], edges: ModelEdge[]): Set<string> {
    const seen = new Set(start);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of edges) {
        if (seen.has(e.from) && !seen.has(e.to)) {
          seen.add(e.to);
          grew = true;
        }
      }
    }
    return seen;
  }

  apply(c: SingleLockCommand, index: number): ApplyOutcome {
    const key =
      c.op === 'expire' || c.op === 'cancelWait' || c.requestId === undefined
        ? null
        : JSON.stringify([c.owner, c.requestId, c.op, c.resource]);
    const hit = this.requests.find((x) => x.key === key);
    this.lastWasCached = key !== null && hit !== undefined;
    if (key !== null && hit) return { result: hit.result, events: [] };
    const out = this.run(c, index);
    if (key !== null) {
      this.requests.push({ key, result: out.result });
      if (this.requests.length > MAX_REMEMBERED_REQUESTS) this.requests.shift();
    }
    return out;
  }

  private run(c: SingleLockCommand, i: number): ApplyOutcome {
    const r = c.resource;
    const o = c.owner;
    if (c.op === 'acquire') {
      const h = this.holdersOf(r).find((x) => x.owner === o);
      if (h && (h.mode === 'exclusive' || c.mode === 'shared')) {
        this.replaceHolder(h, { ...h, ttlMs: c.ttlMs, leaseIndex: i });
        return {
          result: {
            status: 'granted',
            resource: r,
            owner: o,
            mode: h.mode,
            fencingToken: h.fencingToken,
            ttlMs: c.ttlMs,
            leaseIndex: i,
          },
          events: [{ type: 'leaseRenewed', resource: r, owner: o, ttlMs: c.ttlMs, leaseIndex: i }],
        };
      }
      const grantNow = (mode: LockMode): ApplyOutcome => {
        const ev = this.grant(r, o, mode, c.ttlMs, i, null);
        return {
          result: { status: 'granted', resource: r, owner: o, mode, fencingToken: i, ttlMs: c.ttlMs, leaseIndex: i },
          events: [ev],
        };
      };
      if (h && this.holdersOf(r).length === 1) return grantNow('exclusive');
      const locked: ApplyOutcome = {
        result: { status: 'locked', resource: r, holders: this.holdersOf(r).map(strip) },
        events: [],
      };
      const mine = this.queueOf(r).find((w) => w.owner === o);
      if (mine) {
        if (c.waitMs > 0 && (mine.mode === 'exclusive' || c.mode === 'shared'))
          return { result: { status: 'queued', resource: r, waitId: mine.waitId }, events: [] };
        return locked;
      }
      const targets = this.blockers(r, o, c.mode, this.queueOf(r));
      if (targets.length === 0) return grantNow(c.mode);
      if (c.waitMs === 0) return locked;
      // Cycle detector under test is compared by status; the spec checks the cycle itself.
      if (this.reachable(targets, this.edges()).has(o))
        return { result: { status: 'deadlock', resource: r, cycle: [] }, events: [] };
      this.waiters.push({ resource: r, owner: o, mode: c.mode, waitId: i, waitMs: c.waitMs, ttlMs: c.ttlMs });
      return {
        result: { status: 'queued', resource: r, waitId: i },
        events: [{ type: 'waitStarted', resource: r, owner: o, waitId: i, waitMs: c.waitMs }],
      };
    }
    if (c.op === 'renew') {
      const h = this.holdersOf(r).find((x) => x.owner === o);
      if (!h) return { result: { status: 'not_held' }, events: [] };
      const ttlMs = c.ttlMs ?? h.ttlMs;
      this.replaceHolder(h, { ...h, ttlMs, leaseIndex: i });
      return {
        result: { status: 'renewed', ttlMs, leaseIndex: i, fencingToken: h.fencingToken },
        events: [{ type: 'leaseRenewed', resource: r, owner: o, ttlMs, leaseIndex: i }],
      };
    }
    if (c.op === 'release' || c.op === 'expire') {
      const h = this.holdersOf(r).find((x) => x.owner === o && (c.op === 'release' || x.leaseIndex === c.leaseIndex));
      if (!h) return { result: c.op === 'release' ? { status: 'not_held' } : { status: 'stale' }, events: [] };
      this.holders = this.holders.filter((x) => x !== h);
      const events: LockEvent[] = [
        { type: 'leaseEnded', resource: r, owner: o, reason: c.op === 'release' ? 'released' : 'expired' },
      ];
      this.promote(r, i, events);
      return { result: c.op === 'release' ? { status: 'released' } : { status: 'expired' }, events };
    }
    const w = this.queueOf(r).find((x) => x.owner === o && x.waitId === c.waitId);
    if (!w) return { result: { status: 'stale' }, events: [] };
    this.waiters = this.waiters.filter((x) => x !== w);
    const events: LockEvent[] = [
      {
        type: 'waitEnded',
        resource: r,
        owner: o,
        waitId: w.waitId,
        reason: 'timeout',
        holders: this.holdersOf(r).map(strip),
      },
    ];
    this.promote(r, i, events);
    return { result: { status: 'cancelled' }, events };
  }

  private promote(r: string, i: number, events: LockEvent[]): void {
    for (;;) {
      const head = this.queueOf(r)[0];
      if (!head || this.blockers(r, head.owner, head.mode, []).length > 0) return;
      this.waiters = this.waiters.filter((x) => x !== head);
      events.push(this.grant(r, head.owner, head.mode, head.ttlMs, i, head.waitId));
    }
  }

  private grant(r: string, o: string, mode: LockMode, ttlMs: number, i: number, waitId: number | null): LockEvent {
    const hold: ModelHolder = { resource: r, owner: o, mode, fencingToken: i, ttlMs, leaseIndex: i };
    const old = this.holdersOf(r).find((x) => x.owner === o);
    if (old) this.replaceHolder(old, hold);
    else this.holders.push(hold);
    this.highest = i;
    return { type: 'granted', resource: r, owner: o, mode, fencingToken: i, ttlMs, leaseIndex: i, waitId };
  }

  private replaceHolder(old: ModelHolder, next: ModelHolder): void {
    this.holders = this.holders.map((x) => (x === old ? next : x));
  }
}
