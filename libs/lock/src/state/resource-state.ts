// The mutable per-resource records inside LockTable. Kept apart from the public
// views (lock-commands.ts) so callers only ever get copies.
import type { HolderView, LockMode, WaiterView } from './lock-commands.js';
import { modesConflict } from './lock-modes.js';

export interface Holder {
  owner: string;
  mode: LockMode;
  fencingToken: number;
  ttlMs: number;
  leaseIndex: number;
}

export interface Waiter {
  readonly owner: string;
  readonly mode: LockMode;
  readonly waitId: number;
  readonly waitMs: number;
  readonly ttlMs: number;
  /** A set's wait sits in every member's queue under one waitId; `set` names the members. */
  readonly set?: readonly string[];
}

/** Holders in grant order; waiters in FIFO order (ascending waitId). */
export interface ResourceState {
  /**
   * 1 for a lock (one exclusive holder or many shared ones); N > 1 for a semaphore, whose
   * holders each take one permit in exclusive mode. Fixed while the resource has holders
   * or waiters; set again by the acquire that brings it back.
   */
  readonly permits: number;
  readonly holders: Holder[];
  readonly waiters: Waiter[];
}

export function holderView(h: Holder): HolderView {
  return { owner: h.owner, mode: h.mode, fencingToken: h.fencingToken, ttlMs: h.ttlMs, leaseIndex: h.leaseIndex };
}

export function waiterView(w: Waiter): WaiterView {
  const view = { owner: w.owner, mode: w.mode, waitId: w.waitId, waitMs: w.waitMs, ttlMs: w.ttlMs };
  return w.set ? { ...view, set: [...w.set] } : view;
}

/**
 * The owners that keep `owner` from getting `mode` on this resource: holders with a
 * conflicting mode, and conflicting waiters among the first `ahead` of the queue (FIFO
 * fairness). An owner never blocks itself: its own hold does not block its own upgrade,
 * and it has at most one wait per resource. Empty means grantable now. These are also
 * exactly the owner's edges in the wait-for graph. Deduplicated, in a fixed order.
 *
 * A semaphore blocks only when its permits are all taken, counting one permit for every
 * waiter ahead (each of them is served first); then every holder and waiter ahead blocks,
 * but enough of them leaving is (blockersToLeave).
 */
export function blockersOf(state: ResourceState, owner: string, mode: LockMode, ahead: number): string[] {
  const out = new Set<string>();
  if (state.permits > 1) {
    for (const h of state.holders) if (h.owner !== owner) out.add(h.owner);
    for (let i = 0; i < ahead && i < state.waiters.length; i++)
      if (state.waiters[i].owner !== owner) out.add(state.waiters[i].owner);
    return out.size < state.permits ? [] : [...out];
  }
  const add = (other: string, otherMode: LockMode): void => {
    if (other !== owner && modesConflict(otherMode, mode)) out.add(other);
  };
  for (const h of state.holders) add(h.owner, h.mode);
  for (let i = 0; i < ahead && i < state.waiters.length; i++) add(state.waiters[i].owner, state.waiters[i].mode);
  return [...out];
}

/**
 * How many of `blockers` (as blockersOf returned them) must leave before the wait can be
 * served: all of them for a lock; for a semaphore, enough to free one permit.
 */
export function blockersToLeave(state: ResourceState, blockers: readonly string[]): number {
  return state.permits > 1 ? blockers.length - state.permits + 1 : blockers.length;
}
