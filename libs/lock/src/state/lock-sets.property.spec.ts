// Invariant properties of semaphores and lock sets: random commands over locks, semaphores
// and sets, with the table restored from its own snapshot now and then, must keep
// every rule below after every command. (The reference model, lock-table.property.spec.ts,
// knows plain locks only; these rules are stated without a second implementation.)
import fc from 'fast-check';
import type { LockCommand, SetMember } from './lock-commands.js';
import { modesConflict } from './lock-modes.js';
import { LockTable } from './lock-table.js';
import { blockersOf, type ResourceState } from './resource-state.js';

/** r0, r1 are locks; s2 a semaphore of 2 permits, s3 of 3. */
const RESOURCES = ['r0', 'r1', 's2', 's3'];
const PERMITS: Readonly<Record<string, number>> = { r0: 1, r1: 1, s2: 2, s3: 3 };
const OWNERS = ['a', 'b', 'c', 'd'];

type Kind = 'acquire' | 'acquireSet' | 'release' | 'releaseSet' | 'renew' | 'renewSet' | 'expire' | 'cancelWait';
interface Op {
  readonly kind: Kind;
  readonly rs: readonly number[];
  readonly o: number;
  readonly shared: boolean;
  readonly wait: boolean;
  readonly requestId: string | null;
  readonly pick: number;
  readonly restore: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Kind>(
    'acquire',
    'acquire',
    'acquire',
    'acquire',
    'acquireSet',
    'acquireSet',
    'acquireSet',
    'release',
    'releaseSet',
    'renew',
    'renewSet',
    'expire',
    'cancelWait',
  ),
  rs: fc.uniqueArray(fc.nat(RESOURCES.length - 1), { minLength: 1, maxLength: 3 }),
  o: fc.nat(OWNERS.length - 1),
  shared: fc.boolean(),
  wait: fc.nat(3).map((n) => n > 0),
  requestId: fc.option(fc.constantFrom('q0', 'q1'), { freq: 4 }),
  pick: fc.nat(50),
  restore: fc.nat(6).map((n) => n === 0),
});

function member(r: number, shared: boolean): SetMember {
  const resource = RESOURCES[r];
  const permits = PERMITS[resource];
  if (permits > 1) return { resource, mode: 'exclusive', permits };
  return { resource, mode: shared ? 'shared' : 'exclusive' };
}

function interpret(op: Op, table: LockTable): LockCommand {
  const owner = OWNERS[op.o];
  const rid = op.requestId === null ? {} : { requestId: op.requestId };
  const names = op.rs.map((r) => RESOURCES[r]);
  const { holders, waiters } = table.holdersAndWaiters();
  switch (op.kind) {
    case 'acquire':
      return { op: 'acquire', owner, ...member(op.rs[0], op.shared), ttlMs: 1000, waitMs: op.wait ? 500 : 0, ...rid };
    case 'acquireSet': {
      const locks = op.rs.map((r) => member(r, op.shared && r % 2 === 0));
      return { op: 'acquireSet', owner, locks, ttlMs: 1000, waitMs: op.wait ? 500 : 0, ...rid };
    }
    case 'release':
      return { op: 'release', owner, resource: names[0], ...rid };
    case 'releaseSet':
      return { op: 'releaseSet', owner, resources: names, ...rid };
    case 'renew':
      return { op: 'renew', owner, resource: names[0], ...rid };
    case 'renewSet':
      return { op: 'renewSet', owner, resources: names, ttlMs: 2000, ...rid };
    case 'expire': {
      const h = holders[op.pick % Math.max(1, holders.length)];
      return h
        ? { op: 'expire', resource: h.resource, owner: h.owner, leaseIndex: h.leaseIndex }
        : { op: 'release', owner, resource: names[0] };
    }
    case 'cancelWait': {
      const w = waiters[op.pick % Math.max(1, waiters.length)];
      return w
        ? { op: 'cancelWait', resource: w.resource, owner: w.owner, waitId: w.waitId }
        : { op: 'release', owner, resource: names[0] };
    }
  }
}

function fail(what: string, detail: unknown): never {
  throw new Error(`invariant broken: ${what}: ${JSON.stringify(detail)}`);
}

function states(table: LockTable): Map<string, ResourceState> {
  const out = new Map<string, ResourceState>();
  for (const r of RESOURCES) {
    const v = table.view(r);
    if (v.holders.length + v.waiters.length > 0)
      out.set(r, { permits: v.permits, holders: v.holders, waiters: v.waiters });
  }
  return out;
}

/** Holders never exceed what the resource admits; a set's wait stands in all its members' queues. */
function checkSafety(all: Map<string, ResourceState>): void {
  for (const [r, s] of all) {
    if (s.permits !== PERMITS[r]) fail('permits changed', { r, permits: s.permits });
    if (new Set(s.holders.map((h) => h.owner)).size !== s.holders.length) fail('owner holds twice', { r, s });
    if (s.permits > 1 && s.holders.length > s.permits) fail('more holders than permits', { r, s });
    if (s.permits === 1 && s.holders.some((h, i) => s.holders.some((g, j) => i < j && modesConflict(h.mode, g.mode))))
      fail('conflicting holders', { r, s });
    for (const w of s.waiters)
      for (const m of w.set ?? [])
        if (!all.get(m)?.waiters.some((t) => t.waitId === w.waitId && t.owner === w.owner))
          fail('set wait missing from a member', { r, w });
  }
}

/** Whether `w` (standing at `at` in r's queue) could be served now: nothing blocks it in any member's queue. */
function servable(all: Map<string, ResourceState>, r: string, at: number): boolean {
  const w = all.get(r)!.waiters[at];
  return (w.set ?? [r]).every((m) => {
    const s = all.get(m)!;
    const pos = s.waiters.findIndex((t) => t.waitId === w.waitId && t.owner === w.owner);
    return blockersOf(s, w.owner, s.waiters[pos].mode, pos).length === 0;
  });
}

/** Liveness now: no waiter that could be served is left waiting. */
function checkNoIdleWaiter(all: Map<string, ResourceState>): void {
  for (const [r, s] of all)
    s.waiters.forEach((w, at) => servable(all, r, at) && fail('servable waiter left', { r, w }));
}

/**
 * No deadlock: let every owner that waits for nothing give back what it holds, serve whoever
 * can be served, and repeat. Every wait must end served, or the table holds a deadlock its
 * detector let in.
 */
function checkNoDeadlock(table: LockTable): void {
  const all = states(table);
  const mutable = new Map(
    [...all].map(([r, s]) => [r, { permits: s.permits, holders: [...s.holders], waiters: [...s.waiters] }]),
  );
  for (let round = 0; ; round++) {
    const waiting = new Set([...mutable.values()].flatMap((s) => s.waiters.map((w) => w.owner)));
    if (waiting.size === 0) return;
    let progressed = false;
    for (const s of mutable.values()) {
      const before = s.holders.length;
      s.holders.splice(0, s.holders.length, ...s.holders.filter((h) => waiting.has(h.owner)));
      progressed ||= s.holders.length < before;
    }
    for (const [r, s] of mutable) {
      for (let at = 0; at < s.waiters.length;) {
        if (!servable(mutable, r, at)) {
          at++;
          continue;
        }
        const w = s.waiters[at];
        for (const m of w.set ?? [r]) {
          const ms = mutable.get(m)!;
          const pos = ms.waiters.findIndex((t) => t.waitId === w.waitId && t.owner === w.owner);
          const [mine] = ms.waiters.splice(pos, 1);
          ms.holders.push({ owner: w.owner, mode: mine.mode, fencingToken: 0, ttlMs: 1, leaseIndex: 0 });
        }
        progressed = true;
      }
    }
    if (!progressed) fail('deadlock in the table', { waiting: [...waiting], table: [...mutable] });
    if (round > 100) fail('no end', {});
  }
}

/** What the random runs reached; each must be reached or the generator lost its aim. */
const seen: Record<string, number> = {
  'set granted at once': 0,
  'set queued': 0,
  'set served from its wait': 0,
  'set refused as a deadlock': 0,
  'semaphore queued': 0,
  'semaphore refused as a deadlock': 0,
  'waiter stepped over': 0,
};

function run(ops: readonly Op[]): void {
  let table = new LockTable();
  const setWaits = new Set<number>();
  let index = 0;
  for (const op of ops) {
    if (op.restore) {
      const before = table.snapshot();
      table = LockTable.restore(before);
      if (table.snapshot() !== before) fail('snapshot round trip', {});
    }
    index++;
    const cmd = interpret(op, table);
    const { result, events } = table.apply(cmd, index);
    const grants = events.filter((e) => e.type === 'granted');
    tally(cmd, result.status, grants, setWaits, table);
    for (const g of grants) {
      if (g.fencingToken !== index) fail('token is not the entry index', { g, index });
      if (!table.view(g.resource).holders.some((h) => h.owner === g.owner)) fail('granted but not holding', g);
    }
    if (cmd.op === 'acquireSet' && result.status === 'queued') setWaits.add(result.waitId);
    // (A retried requestId answers the first grant again: only a fresh one must hold now.)
    if (cmd.op === 'acquireSet' && result.status === 'granted' && result.fencingToken === index) {
      for (const m of cmd.locks)
        if (!table.view(m.resource).holders.some((h) => h.owner === cmd.owner && h.fencingToken === index))
          fail('set granted in part', { cmd, result });
    }
    if (cmd.op === 'acquireSet' && result.status !== 'granted' && result.status !== 'queued') {
      if (events.length > 0) fail('a refused set changed something', { cmd, result, events });
    }
    // One outcome per wait: no waitId is ended twice by one entry.
    const ended = events.flatMap((e) =>
      (e.type === 'granted' && e.waitId !== null) || e.type === 'waitEnded' ? [e.waitId] : [],
    );
    if (new Set(ended).size !== ended.length) fail('a wait ended twice', events);
    const all = states(table);
    checkSafety(all);
    checkNoIdleWaiter(all);
    checkNoDeadlock(table);
  }
}

function tally(
  cmd: LockCommand,
  status: string,
  grants: readonly { readonly waitId: number | null; readonly resource: string }[],
  setWaits: Set<number>,
  table: LockTable,
): void {
  const count = (what: string) => (seen[what] += 1);
  if (cmd.op === 'acquireSet') {
    if (status === 'granted') count('set granted at once');
    if (status === 'queued') count('set queued');
    if (status === 'deadlock') count('set refused as a deadlock');
  }
  if (cmd.op === 'acquire' && (cmd.permits ?? 1) > 1) {
    if (status === 'queued') count('semaphore queued');
    if (status === 'deadlock') count('semaphore refused as a deadlock');
  }
  for (const g of grants) {
    if (g.waitId !== null && setWaits.has(g.waitId)) count('set served from its wait');
    // Granted while a waiter queued earlier still waits there.
    const first = table.view(g.resource).waiters[0];
    if (g.waitId !== null && first !== undefined && first.waitId < g.waitId) count('waiter stepped over');
  }
}

describe('semaphores and lock sets (invariants over random commands)', () => {
  it('never over-admit, never leave a servable waiter, never hold a deadlock, grant sets whole', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => run(ops)),
      { numRuns: 800 },
    );
    for (const [what, count] of Object.entries(seen))
      expect({ what, reached: count > 0 }).toEqual({ what, reached: true });
  });
});
