// Deadlock detection. Owners are nodes; an owner waiting on resource R has an edge to
// every owner in blockersOf(R) for its wait. A new wait is refused when some owner it
// would wait for can already reach the requester: that wait would close a cycle.
// The table never contains a cycle (every new wait is checked, and nothing else adds
// edges: promotion turns an existing "queued ahead" edge into a "holder" edge, and a
// sole shared holder's in-place upgrade only adds edges from waiters that already
// reach it through the exclusive waiter they queue behind).
import type { CycleStep, LockMode } from './lock-commands.js';
import { blockersOf, type ResourceState } from './resource-state.js';

interface WaitRef {
  readonly resource: string;
  readonly position: number;
}

/**
 * The cycle that `requester` waiting for `mode` on `resource` (at the tail of its queue)
 * would close, starting with the requester's own step, or null. Search is iterative (no
 * stack overflow on long chains) and visits in table order, so every node reports the
 * same cycle.
 */
export function findWaitCycle(
  resources: ReadonlyMap<string, ResourceState>,
  requester: string,
  resource: string,
  mode: LockMode,
): CycleStep[] | null {
  const target = resources.get(resource);
  if (!target) return null;
  const first = blockersOf(target, requester, mode, target.waiters.length);
  if (first.length === 0) return null;

  // Who waits where; the edges themselves are computed only for owners the search reaches.
  const waitsByOwner = new Map<string, WaitRef[]>();
  for (const [name, state] of resources) {
    state.waiters.forEach((w, position) => {
      const list = waitsByOwner.get(w.owner);
      if (list) list.push({ resource: name, position });
      else waitsByOwner.set(w.owner, [{ resource: name, position }]);
    });
  }

  // via.get(x) = the step that reached x: step.owner waits for step.resource, blocked by x.
  const via = new Map<string, CycleStep>();
  const stack: string[] = [];
  for (const b of first) {
    via.set(b, { owner: requester, resource });
    stack.push(b);
  }
  while (stack.length > 0) {
    const x = stack.pop() as string;
    for (const wait of waitsByOwner.get(x) ?? []) {
      const state = resources.get(wait.resource) as ResourceState;
      const self = state.waiters[wait.position];
      for (const b of blockersOf(state, x, self.mode, wait.position)) {
        if (b === requester) return pathTo(via, requester, x, { owner: x, resource: wait.resource });
        if (!via.has(b)) {
          via.set(b, { owner: x, resource: wait.resource });
          stack.push(b);
        }
      }
    }
  }
  return null;
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
