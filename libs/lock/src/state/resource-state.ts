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
}

/** Holders in grant order; waiters in FIFO order (ascending waitId). */
export interface ResourceState {
  readonly holders: Holder[];
  readonly waiters: Waiter[];
}

export function holderView(h: Holder): HolderView {
  return { owner: h.owner, mode: h.mode, fencingToken: h.fencingToken, ttlMs: h.ttlMs, leaseIndex: h.leaseIndex };
}

export function waiterView(w: Waiter): WaiterView {
  return { owner: w.owner, mode: w.mode, waitId: w.waitId, waitMs: w.waitMs, ttlMs: w.ttlMs };
}

/**
 * The owners that keep `owner` from getting `mode` on this resource: holders with a
 * conflicting mode, and conflicting waiters among the first `ahead` of the queue (FIFO
 * fairness). An owner never blocks itself: its own hold does not block its own upgrade,
 * and it has at most one wait per resource. Empty means grantable now. These are also
 * exactly the owner's edges in the wait-for graph. Deduplicated, in a fixed order.
 */
export function blockersOf(state: ResourceState, owner: string, mode: LockMode, ahead: number): string[] {
  const out = new Set<string>();
  const add = (other: string, otherMode: LockMode): void => {
    if (other !== owner && modesConflict(otherMode, mode)) out.add(other);
  };
  for (const h of state.holders) add(h.owner, h.mode);
  for (let i = 0; i < ahead && i < state.waiters.length; i++) add(state.waiters[i].owner, state.waiters[i].mode);
  return [...out];
}
