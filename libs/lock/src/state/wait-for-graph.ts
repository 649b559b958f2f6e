// Deadlock detection. Owners are nodes; an owner waiting on resource R has an edge to
// every owner in blockersOf(R) for its wait. A new wait is refused when it would leave its
// owner unable ever to be served: some owner it would wait for can already reach the
// requester (a cycle) and, where semaphores offer a way out, no way out remains.
//
// Locks are AND waits (every blocker must leave), so for them a cycle is a deadlock. A
// semaphore wait is served when enough of its blockers leave (blockersToLeave), so a
// cycle through one is a deadlock only if too few of the others can ever leave; the
// reduction in `canBeServed` decides that. The table never contains a deadlock: every
// new wait is checked, and nothing else adds edges (promotion turns a "queued ahead" edge
// into a "holder" edge; a sole shared holder's in-place upgrade only adds edges from
// waiters that already reach it through the exclusive waiter they queue behind).
import type { CycleStep, LockMode } from './lock-commands.js';
import { blockersOf, blockersToLeave, type ResourceState } from './resource-state.js';

/** A wait about to be added at the tail of `resource`'s queue. */
export interface NewWait {
  readonly resource: string;
  readonly mode: LockMode;
}

interface WaitRef {
  readonly resource: string;
  readonly position: number;
}

/** One wait of an owner as a constraint: at least `leave` of `blockers` must leave. */
interface Constraint {
  readonly blockers: readonly string[];
  readonly leave: number;
}

/**
 * The cycle that `requester` waiting for `waits` (each at the tail of its queue; a set
 * waits for all of its members) would close, starting with the requester's own step, or
 * null when the wait is safe. Search is iterative (no stack overflow on long chains) and
 * visits in table order, so every node reports the same cycle.
 */
export function findWaitCycle(
  resources: ReadonlyMap<string, ResourceState>,
  requester: string,
  waits: readonly NewWait[],
): CycleStep[] | null {
  const via = new Map<string, CycleStep>();
  const stack: string[] = [];
  for (const w of waits) {
    const target = resources.get(w.resource);
    if (!target) continue;
    for (const b of blockersOf(target, requester, w.mode, target.waiters.length)) {
      if (via.has(b)) continue;
      via.set(b, { owner: requester, resource: w.resource });
      stack.push(b);
    }
  }
  if (stack.length === 0) return null;

  const waitsByOwner = indexWaits(resources);
  while (stack.length > 0) {
    const x = stack.pop() as string;
    for (const wait of waitsByOwner.get(x) ?? []) {
      const state = resources.get(wait.resource) as ResourceState;
      const self = state.waiters[wait.position];
      for (const b of blockersOf(state, x, self.mode, wait.position)) {
        if (b === requester) {
          // A cycle; through a semaphore it may still have a way out.
          if (canBeServed(resources, waitsByOwner, requester, waits)) return null;
          return pathTo(via, requester, x, { owner: x, resource: wait.resource });
        }
        if (!via.has(b)) {
          via.set(b, { owner: x, resource: wait.resource });
          stack.push(b);
        }
      }
    }
  }
  return null;
}

/** Who waits where; the edges themselves are computed only for owners a search reaches. */
function indexWaits(resources: ReadonlyMap<string, ResourceState>): Map<string, WaitRef[]> {
  const waitsByOwner = new Map<string, WaitRef[]>();
  for (const [name, state] of resources) {
    state.waiters.forEach((w, position) => {
      const list = waitsByOwner.get(w.owner);
      if (list) list.push({ resource: name, position });
      else waitsByOwner.set(w.owner, [{ resource: name, position }]);
    });
  }
  return waitsByOwner;
}

/**
 * Graph reduction: an owner is eventually served when, for each of its waits, enough of
 * its blockers are themselves eventually served (and so eventually release: leases end).
 * Owners that wait for nothing are served. Computed to a fixed point over the owners the
 * requester's new waits reach.
 */
function canBeServed(
  resources: ReadonlyMap<string, ResourceState>,
  waitsByOwner: ReadonlyMap<string, readonly WaitRef[]>,
  requester: string,
  waits: readonly NewWait[],
): boolean {
  const constraints = new Map<string, Constraint[]>();
  const constraintsOf = (owner: string): Constraint[] => {
    const out: Constraint[] = [];
    for (const wait of waitsByOwner.get(owner) ?? []) {
      const state = resources.get(wait.resource) as ResourceState;
      const blockers = blockersOf(state, owner, state.waiters[wait.position].mode, wait.position);
      if (blockers.length > 0) out.push({ blockers, leave: blockersToLeave(state, blockers) });
    }
    if (owner === requester) {
      for (const w of waits) {
        const state = resources.get(w.resource);
        if (!state) continue;
        const blockers = blockersOf(state, owner, w.mode, state.waiters.length);
        if (blockers.length > 0) out.push({ blockers, leave: blockersToLeave(state, blockers) });
      }
    }
    return out;
  };
  const pending = [requester];
  while (pending.length > 0) {
    const owner = pending.pop() as string;
    if (constraints.has(owner)) continue;
    const own = constraintsOf(owner);
    constraints.set(owner, own);
    for (const c of own) for (const b of c.blockers) if (!constraints.has(b)) pending.push(b);
  }
  const served = new Set<string>();
  for (const [owner, own] of constraints) if (own.length === 0) served.add(owner);
  for (let changed = true; changed && !served.has(requester);) {
    changed = false;
    for (const [owner, own] of constraints) {
      if (served.has(owner)) continue;
      if (own.every((c) => c.blockers.filter((b) => served.has(b)).length >= c.leave)) {
        served.add(owner);
        changed = true;
      }
    }
  }
  return served.has(requester);
}

function pathTo(via: ReadonlyMap<string, CycleStep>, requester: string, last: string, closing: CycleStep): CycleStep[] {
  const steps: CycleStep[] = [closing];
  let cur = last;
  while (cur !== requester) {
    const step = via.get(cur) as CycleStep;
    steps.push(step);
    cur = step.owner;
  }
  return steps.reverse();
}
