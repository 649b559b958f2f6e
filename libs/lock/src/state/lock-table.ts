// The replicated lock table: a pure, deterministic function of the commands applied to it
// (no clock, no I/O, no randomness), so every Raft node that applies the same log reaches
// the same table and the same results. Time lives with the leader, which proposes
// `expire` and `cancelWait` when its timers run out.
import type {
  AcquireCommand,
  AcquireResult,
  AcquireSetCommand,
  AcquireSetResult,
  ApplyOutcome,
  CancelWaitCommand,
  ExpireCommand,
  HolderView,
  LockCommand,
  LockEvent,
  LockMode,
  ReleaseCommand,
  ReleaseSetCommand,
  RenewCommand,
  RenewSetCommand,
  WaiterView,
} from './lock-commands.js';
import { MAX_WAITERS_PER_RESOURCE } from './lock-limits.js';
import { modeCovers } from './lock-modes.js';
import { decodeSnapshot, encodeSnapshot } from './lock-snapshot.js';
import { validateLockCommand } from './parse-lock-command.js';
import { RequestCache } from './request-cache.js';
import { blockersOf, holderView, type ResourceState, type Waiter, waiterView } from './resource-state.js';
import { findWaitCycle } from './wait-for-graph.js';

export interface ResourceView {
  /** 1 for a lock (also when the resource is free), N for a semaphore. */
  readonly permits: number;
  readonly holders: HolderView[];
  readonly waiters: WaiterView[];
}

/** A lease the leader must time: propose `expire` with this leaseIndex after ttlMs. */
export interface HeldLease extends HolderView {
  readonly resource: string;
}

/** A wait the leader must time: propose `cancelWait` with this waitId after waitMs. */
export interface PendingWait extends WaiterView {
  readonly resource: string;
}

/** One resource of a listing: its name beside what `view` answers. */
export interface ListedResource extends ResourceView {
  readonly resource: string;
}

/** A page of `list`: `truncated` when more resources matched than `limit`. */
export interface ResourceListing {
  readonly resources: ListedResource[];
  readonly truncated: boolean;
}

export interface LockTableStats {
  /** Resources with at least one holder or waiter. */
  readonly resources: number;
  /** Exclusive holds. */
  readonly exclusive: number;
  /** Shared holds (one per holder, not per resource). */
  readonly shared: number;
  /** Semaphore permits held (one per holder). */
  readonly permits: number;
  readonly waiters: number;
  /** Highest fencing token ever issued (0 = none). */
  readonly highestToken: number;
  readonly rememberedRequests: number;
  readonly lastIndex: number;
}

export class LockTable {
  private resources = new Map<string, ResourceState>();
  private requests = new RequestCache();
  private lastApplied = 0;
  private highestToken = 0;

  /** Rebuilds a table from `snapshot()` output; throws InvalidLockSnapshotError when damaged. */
  static restore(data: string): LockTable {
    const s = decodeSnapshot(data);
    const table = new LockTable();
    table.resources = new Map(s.resources);
    table.requests = RequestCache.from(s.requests);
    table.lastApplied = s.lastIndex;
    table.highestToken = s.highestToken;
    return table;
  }

  /** The whole table, request cache and counters included, as JSON. */
  snapshot(): string {
    return encodeSnapshot({
      lastIndex: this.lastApplied,
      highestToken: this.highestToken,
      resources: this.resources,
      requests: this.requests.entries(),
    });
  }

  /** Index of the last entry applied (0 = none). */
  get lastIndex(): number {
    return this.lastApplied;
  }

  /**
   * Applies the command of log entry `index`. Indexes must strictly increase: they are the
   * fencing tokens and wait ids. Throws (InvalidLockCommandError, RangeError) before changing
   * anything when the command or index is unusable, so a bad entry never half-applies.
   */
  apply(command: LockCommand, index: number): ApplyOutcome {
    const cmd = validateLockCommand(command);
    if (!Number.isSafeInteger(index) || index <= this.lastApplied) {
      throw new RangeError(`lock entry index ${index} must be an integer above the last applied ${this.lastApplied}`);
    }
    this.lastApplied = index;
    const key = RequestCache.keyOf(cmd);
    if (key !== null) {
      const first = this.requests.get(key);
      if (first !== undefined) return { result: first, events: [] };
    }
    const outcome = this.dispatch(cmd, index);
    if (key !== null) this.requests.remember(key, outcome.result);
    return outcome;
  }

  view(resource: string): ResourceView {
    const state = this.resources.get(resource);
    return {
      permits: state?.permits ?? 1,
      holders: state?.holders.map(holderView) ?? [],
      waiters: state?.waiters.map(waiterView) ?? [],
    };
  }

  /**
   * The live resources (a holder or a waiter; free ones are not kept) whose names start
   * with `prefix`, sorted by name in UTF-16 code-unit order (the same on every node and
   * in every JS runtime, unlike localeCompare), at most `limit` of them.
   */
  list(prefix: string, limit: number): ResourceListing {
    const names = [...this.resources.keys()].filter((r) => r.startsWith(prefix)).sort(byCodeUnits);
    return {
      resources: names.slice(0, limit).map((resource) => ({ resource, ...this.view(resource) })),
      truncated: names.length > limit,
    };
  }

  /**
   * Whether `command` carries a requestId the table remembers: applying it again answers
   * the first result and changes nothing (a client's retry), so observers of results can
   * tell a retry from a new refusal.
   */
  remembers(command: LockCommand): boolean {
    const key = RequestCache.keyOf(command);
    return key !== null && this.requests.get(key) !== undefined;
  }

  /** Every lease and wait, for a new leader to arm its timers (at their full length). */
  holdersAndWaiters(): { holders: HeldLease[]; waiters: PendingWait[] } {
    const holders: HeldLease[] = [];
    const waiters: PendingWait[] = [];
    for (const [resource, state] of this.resources) {
      for (const h of state.holders) holders.push({ resource, ...holderView(h) });
      for (const w of state.waiters) waiters.push({ resource, ...waiterView(w) });
    }
    return { holders, waiters };
  }

  stats(): LockTableStats {
    let exclusive = 0;
    let shared = 0;
    let permits = 0;
    let waiters = 0;
    for (const state of this.resources.values()) {
      for (const h of state.holders) {
        if (state.permits > 1) permits++;
        else if (h.mode === 'exclusive') exclusive++;
        else shared++;
      }
      waiters += state.waiters.length;
    }
    return {
      resources: this.resources.size,
      exclusive,
      shared,
      permits,
      waiters,
      highestToken: this.highestToken,
      rememberedRequests: this.requests.size,
      lastIndex: this.lastApplied,
    };
  }

  private dispatch(cmd: LockCommand, index: number): ApplyOutcome {
    switch (cmd.op) {
      case 'acquire':
        return this.acquire(cmd, index);
      case 'release':
        return this.release(cmd, index);
      case 'renew':
        return this.renew(cmd, index);
      case 'expire':
        return this.expire(cmd, index);
      case 'cancelWait':
        return this.cancelWait(cmd, index);
      case 'acquireSet':
        return this.acquireSet(cmd, index);
      case 'releaseSet':
        return this.releaseSet(cmd, index);
      case 'renewSet':
        return this.renewSet(cmd, index);
    }
  }

  private acquire(cmd: AcquireCommand, index: number): ApplyOutcome {
    const { resource, owner, mode, ttlMs, waitMs } = cmd;
    const permits = cmd.permits ?? 1;
    const live = this.resources.get(resource);
    if (live && live.permits !== permits)
      return { result: { status: 'permitsMismatch', resource, permits: live.permits }, events: [] };
    const state = this.stateOf(resource, permits);
    const held = state.holders.find((h) => h.owner === owner);

    if (held && modeCovers(held.mode, mode)) {
      // Already held well enough: refresh the lease, keep the token (docs/locks.md, "Fencing tokens").
      held.ttlMs = ttlMs;
      held.leaseIndex = index;
      return {
        result: {
          status: 'granted',
          resource,
          owner,
          mode: held.mode,
          fencingToken: held.fencingToken,
          ttlMs,
          leaseIndex: index,
        },
        events: [{ type: 'leaseRenewed', resource, owner, ttlMs, leaseIndex: index }],
      };
    }
    if (held && state.holders.length === 1 && (state.waiters.length === 0 || state.waiters[0].mode === 'exclusive')) {
      // Sole shared holder wanting exclusive: upgrade in place. Waiters, if any, queue
      // behind an exclusive head that already waits for this owner, so nobody is overtaken
      // and no wait-for edge appears that was not implied. (A shared head can wait here
      // only as part of a set stuck elsewhere; upgrading past it could close a cycle the
      // detector never saw, so then the upgrade is an ordinary request.)
      return this.grantNow(state, resource, owner, 'exclusive', ttlMs, index);
    }

    const waiting = state.waiters.find((w) => w.owner === owner);
    if (waiting) {
      // One wait per owner per resource: a repeated acquire joins the wait it covers;
      // anything else (try-once, a stronger mode than it waits for, a set's wait) is refused.
      if (waitMs > 0 && !waiting.set && modeCovers(waiting.mode, mode))
        return this.done(resource, { status: 'queued', resource, waitId: waiting.waitId });
      return this.done(resource, { status: 'locked', resource, holders: state.holders.map(holderView) });
    }

    if (blockersOf(state, owner, mode, state.waiters.length).length === 0) {
      return this.grantNow(state, resource, owner, mode, ttlMs, index);
    }
    if (waitMs === 0 || state.waiters.length >= MAX_WAITERS_PER_RESOURCE)
      return this.done(resource, { status: 'locked', resource, holders: state.holders.map(holderView) });
    const cycle = findWaitCycle(this.resources, owner, [{ resource, mode }]);
    if (cycle) return this.done(resource, { status: 'deadlock', resource, cycle });

    state.waiters.push({ owner, mode, waitId: index, waitMs, ttlMs });
    return {
      result: { status: 'queued', resource, waitId: index },
      events: [{ type: 'waitStarted', resource, owner, waitId: index, waitMs }],
    };
  }

  private release(cmd: ReleaseCommand, index: number): ApplyOutcome {
    const state = this.resources.get(cmd.resource);
    const at = state?.holders.findIndex((h) => h.owner === cmd.owner) ?? -1;
    if (!state || at < 0) return { result: { status: 'not_held' }, events: [] };
    state.holders.splice(at, 1);
    const events: LockEvent[] = [{ type: 'leaseEnded', resource: cmd.resource, owner: cmd.owner, reason: 'released' }];
    this.promote([cmd.resource], index, events);
    return { result: { status: 'released' }, events };
  }

  private renew(cmd: RenewCommand, index: number): ApplyOutcome {
    const held = this.resources.get(cmd.resource)?.holders.find((h) => h.owner === cmd.owner);
    if (!held) return { result: { status: 'not_held' }, events: [] };
    held.ttlMs = cmd.ttlMs ?? held.ttlMs;
    held.leaseIndex = index;
    return {
      result: { status: 'renewed', ttlMs: held.ttlMs, leaseIndex: index, fencingToken: held.fencingToken },
      events: [
        { type: 'leaseRenewed', resource: cmd.resource, owner: cmd.owner, ttlMs: held.ttlMs, leaseIndex: index },
      ],
    };
  }

  private expire(cmd: ExpireCommand, index: number): ApplyOutcome {
    const state = this.resources.get(cmd.resource);
    // The leaseIndex match makes a timer that raced a renew or re-grant harmless.
    const at = state?.holders.findIndex((h) => h.owner === cmd.owner && h.leaseIndex === cmd.leaseIndex) ?? -1;
    if (!state || at < 0) return { result: { status: 'stale' }, events: [] };
    state.holders.splice(at, 1);
    const events: LockEvent[] = [{ type: 'leaseEnded', resource: cmd.resource, owner: cmd.owner, reason: 'expired' }];
    this.promote([cmd.resource], index, events);
    return { result: { status: 'expired' }, events };
  }

  private cancelWait(cmd: CancelWaitCommand, index: number): ApplyOutcome {
    const state = this.resources.get(cmd.resource);
    const waiter = state?.waiters.find((w) => w.waitId === cmd.waitId && w.owner === cmd.owner);
    if (!state || !waiter) return { result: { status: 'stale' }, events: [] };
    // A set's wait ends whole: it leaves every member's queue.
    const members = waiter.set ?? [cmd.resource];
    for (const r of members) this.removeWaiter(r, waiter);
    const events: LockEvent[] = [
      {
        type: 'waitEnded',
        resource: cmd.resource,
        owner: cmd.owner,
        waitId: cmd.waitId,
        reason: 'timeout',
        holders: state.holders.map(holderView),
      },
    ];
    // The cancelled waiter may have been the one blocking those behind it.
    this.promote(members, index, events);
    return { result: { status: 'cancelled' }, events };
  }

  private acquireSet(cmd: AcquireSetCommand, index: number): ApplyOutcome {
    const { owner, locks, ttlMs, waitMs } = cmd;
    const outcome = (result: AcquireSetResult): ApplyOutcome => ({ result, events: [] });
    for (const m of locks) {
      const live = this.resources.get(m.resource);
      if (!live) continue;
      if (live.permits !== (m.permits ?? 1))
        return outcome({ status: 'permitsMismatch', resource: m.resource, permits: live.permits });
      if (live.holders.some((h) => h.owner === owner) || live.waiters.some((w) => w.owner === owner))
        return outcome({ status: 'alreadyInvolved', resource: m.resource });
    }
    const blocked = locks.find((m) => {
      const live = this.resources.get(m.resource);
      return live !== undefined && blockersOf(live, owner, m.mode, live.waiters.length).length > 0;
    });
    if (!blocked) {
      const events: LockEvent[] = locks.map((m) => ({
        ...this.grant(this.stateOf(m.resource, m.permits ?? 1), m.resource, owner, m.mode, ttlMs, index),
        waitId: null,
      }));
      const granted = locks.map((m) => ({ resource: m.resource, mode: m.mode, ttlMs }));
      return { result: { status: 'granted', owner, locks: granted, fencingToken: index, leaseIndex: index }, events };
    }
    const full = locks.some((m) => (this.resources.get(m.resource)?.waiters.length ?? 0) >= MAX_WAITERS_PER_RESOURCE);
    if (waitMs === 0 || full)
      return outcome({ status: 'locked', resource: blocked.resource, holders: this.view(blocked.resource).holders });
    const cycle = findWaitCycle(this.resources, owner, locks);
    if (cycle) return outcome({ status: 'deadlock', resource: cycle[0].resource, cycle });

    // Queued in every member's queue, the free ones too: the set keeps its FIFO place
    // everywhere, so single requests never overtake it member by member and starve it.
    const set = locks.map((m) => m.resource);
    for (const m of locks) {
      this.stateOf(m.resource, m.permits ?? 1).waiters.push({ owner, mode: m.mode, waitId: index, waitMs, ttlMs, set });
    }
    return {
      result: { status: 'queued', resource: set[0], waitId: index },
      events: [{ type: 'waitStarted', resource: set[0], owner, waitId: index, waitMs }],
    };
  }

  private releaseSet(cmd: ReleaseSetCommand, index: number): ApplyOutcome {
    const released: string[] = [];
    const notHeld: string[] = [];
    const events: LockEvent[] = [];
    for (const resource of cmd.resources) {
      const state = this.resources.get(resource);
      const at = state?.holders.findIndex((h) => h.owner === cmd.owner) ?? -1;
      if (!state || at < 0) {
        notHeld.push(resource);
        continue;
      }
      state.holders.splice(at, 1);
      released.push(resource);
      events.push({ type: 'leaseEnded', resource, owner: cmd.owner, reason: 'released' });
    }
    this.promote(released, index, events);
    return { result: { status: 'released', released, notHeld }, events };
  }

  private renewSet(cmd: RenewSetCommand, index: number): ApplyOutcome {
    const holds = cmd.resources.map((r) => this.resources.get(r)?.holders.find((h) => h.owner === cmd.owner));
    const notHeld = cmd.resources.filter((_, i) => holds[i] === undefined);
    if (notHeld.length > 0) return { result: { status: 'not_held', notHeld }, events: [] };
    const locks = cmd.resources.map((resource, i) => {
      const held = holds[i]!;
      held.ttlMs = cmd.ttlMs ?? held.ttlMs;
      held.leaseIndex = index;
      return { resource, fencingToken: held.fencingToken, ttlMs: held.ttlMs };
    });
    const events: LockEvent[] = locks.map((l) => ({
      type: 'leaseRenewed',
      resource: l.resource,
      owner: cmd.owner,
      ttlMs: l.ttlMs,
      leaseIndex: index,
    }));
    return { result: { status: 'renewed', leaseIndex: index, locks }, events };
  }

  /**
   * Serves each queue from its head, in order, every waiter that nothing blocks; all get
   * token `index`. It stops at the first blocked waiter: everyone behind it is blocked
   * too (it conflicts with them, or holds the semaphore's last free permit in line). A
   * set that nothing blocks here but that cannot be served in another member's queue
   * keeps its place and is stepped over. Serving a set changes its other members'
   * queues, so they are looked at too.
   */
  private promote(resources: readonly string[], index: number, events: LockEvent[]): void {
    const work = [...resources];
    for (let i = 0; i < work.length; i++) {
      const resource = work[i];
      const state = this.resources.get(resource);
      if (!state) continue;
      for (let at = 0; at < state.waiters.length;) {
        const w = state.waiters[at];
        if (blockersOf(state, w.owner, w.mode, at).length > 0) break;
        if (!w.set) {
          state.waiters.splice(at, 1);
          events.push({ ...this.grant(state, resource, w.owner, w.mode, w.ttlMs, index), waitId: w.waitId });
        } else if (this.servable(w)) {
          w.set.forEach((member, k) => {
            const mine = this.removeWaiter(member, w);
            const granted = this.grant(this.resources.get(member)!, member, w.owner, mine.mode, w.ttlMs, index);
            // One outcome per wait: the first member's event ends it.
            events.push({ ...granted, waitId: k === 0 ? w.waitId : null });
            if (member !== resource) work.push(member);
          });
        } else {
          at++;
        }
      }
      this.dropIfEmpty(resource, state);
    }
  }

  /** Whether a set's wait could be granted in every member's queue where it stands. */
  private servable(wait: Waiter): boolean {
    return (wait.set ?? []).every((member) => {
      const state = this.resources.get(member)!;
      const at = state.waiters.findIndex((w) => w.waitId === wait.waitId && w.owner === wait.owner);
      return blockersOf(state, wait.owner, state.waiters[at].mode, at).length === 0;
    });
  }

  /** Takes `wait` (by waitId and owner) out of `resource`'s queue and returns that queue's record. */
  private removeWaiter(resource: string, wait: Waiter): Waiter {
    const state = this.resources.get(resource)!;
    const at = state.waiters.findIndex((w) => w.waitId === wait.waitId && w.owner === wait.owner);
    return state.waiters.splice(at, 1)[0];
  }

  private grantNow(
    state: ResourceState,
    resource: string,
    owner: string,
    mode: LockMode,
    ttlMs: number,
    index: number,
  ): ApplyOutcome {
    const g = this.grant(state, resource, owner, mode, ttlMs, index);
    return {
      result: { status: 'granted', resource, owner, mode, fencingToken: index, ttlMs, leaseIndex: index },
      events: [{ ...g, waitId: null }],
    };
  }

  /** Adds the hold (or upgrades the owner's shared one in place) with token `index`. */
  private grant(state: ResourceState, resource: string, owner: string, mode: LockMode, ttlMs: number, index: number) {
    const hold = { owner, mode, fencingToken: index, ttlMs, leaseIndex: index };
    const at = state.holders.findIndex((h) => h.owner === owner);
    if (at >= 0) state.holders[at] = hold;
    else state.holders.push(hold);
    this.highestToken = Math.max(this.highestToken, index);
    return { type: 'granted' as const, resource, owner, mode, fencingToken: index, ttlMs, leaseIndex: index };
  }

  /** A result that changed nothing; drops the entry stateOf may have just created. */
  private done(resource: string, result: AcquireResult): ApplyOutcome {
    const state = this.resources.get(resource);
    if (state) this.dropIfEmpty(resource, state);
    return { result, events: [] };
  }

  /** The resource's state, created with `permits` when it is not alive (callers checked a live one's permits). */
  private stateOf(resource: string, permits: number): ResourceState {
    let state = this.resources.get(resource);
    if (!state) {
      state = { permits, holders: [], waiters: [] };
      this.resources.set(resource, state);
    }
    return state;
  }

  private dropIfEmpty(resource: string, state: ResourceState): void {
    if (state.holders.length === 0 && state.waiters.length === 0) this.resources.delete(resource);
  }
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
