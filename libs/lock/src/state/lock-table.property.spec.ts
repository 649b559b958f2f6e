// Model-based properties: random command sequences over a few resources and owners,
// applied to LockTable and to the plain reference model, must give the same results,
// events and views after every command, and keep the table's invariants throughout.
import fc from 'fast-check';
import type { AcquireResult, ApplyOutcome, CycleStep, LockCommand, LockMode } from './lock-commands.js';
import { modesConflict } from './lock-modes.js';
import { LockTable } from './lock-table.js';
import { type ModelEdge, ReferenceLockModel, type SingleLockCommand } from './reference-lock-model.js';

const RESOURCES = ['r0', 'r1', 'r2'];
const OWNERS = ['a', 'b', 'c', 'd'];

interface Op {
  readonly kind: 'acquire' | 'release' | 'renew' | 'expire' | 'cancelWait';
  readonly r: number;
  readonly o: number;
  readonly mode: LockMode;
  readonly ttl: number;
  readonly wait: boolean;
  readonly requestId: string | null;
  /** Which live lease or wait an expire/cancelWait targets; `stale` aims it at a wrong one. */
  readonly pick: number;
  readonly stale: boolean;
  /** Log indexes skip entries that are not lock commands (no-ops, config). */
  readonly gap: number;
  /** Replace the table by a restore of its own snapshot before this command. */
  readonly restore: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>(
    'acquire',
    'acquire',
    'acquire',
    'acquire',
    'acquire',
    'acquire',
    'release',
    'release',
    'renew',
    'expire',
    'cancelWait',
  ),
  r: fc.nat(RESOURCES.length - 1),
  o: fc.nat(OWNERS.length - 1),
  mode: fc.constantFrom<LockMode>('exclusive', 'shared'),
  ttl: fc.integer({ min: 1, max: 3 }),
  wait: fc.nat(3).map((n) => n > 0),
  requestId: fc.option(fc.constantFrom('q0', 'q1', 'q2'), { freq: 3 }),
  pick: fc.nat(20),
  stale: fc.boolean(),
  gap: fc.constantFrom(1, 1, 1, 2),
  restore: fc.nat(4).map((n) => n === 0),
});
const opsArb = fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' });

/** Turns an abstract op into a concrete command, aiming expire/cancelWait at live state most of the time. */
function interpret(op: Op, model: ReferenceLockModel, index: number): SingleLockCommand {
  const resource = RESOURCES[op.r];
  const owner = OWNERS[op.o];
  const rid = op.requestId === null ? {} : { requestId: op.requestId };
  switch (op.kind) {
    case 'acquire':
      return { op: 'acquire', resource, owner, mode: op.mode, ttlMs: op.ttl * 1000, waitMs: op.wait ? 500 : 0, ...rid };
    case 'release':
      return { op: 'release', resource, owner, ...rid };
    case 'renew':
      return op.wait
        ? { op: 'renew', resource, owner, ...rid }
        : { op: 'renew', resource, owner, ttlMs: op.ttl * 700, ...rid };
    case 'expire': {
      const h = model.holders[op.pick % Math.max(1, model.holders.length)];
      if (!h) return { op: 'expire', resource, owner, leaseIndex: 1 + (op.pick % index) };
      return {
        op: 'expire',
        resource: h.resource,
        owner: h.owner,
        leaseIndex: op.stale ? Math.max(1, h.leaseIndex - 1) : h.leaseIndex,
      };
    }
    case 'cancelWait': {
      const w = model.waiters[op.pick % Math.max(1, model.waiters.length)];
      if (!w) return { op: 'cancelWait', resource, owner, waitId: 1 + (op.pick % index) };
      return op.stale
        ? { op: 'cancelWait', resource: w.resource, owner: owner === w.owner ? 'zz' : owner, waitId: w.waitId }
        : { op: 'cancelWait', resource: w.resource, owner: w.owner, waitId: w.waitId };
    }
  }
}

/** The cycle must start with the requester's new wait, follow real wait-for edges, and close. */
function expectValidCycle(
  cycle: readonly CycleStep[],
  cmd: LockCommand,
  model: ReferenceLockModel,
  edges: ModelEdge[],
): void {
  if (cmd.op !== 'acquire') throw new Error('deadlock from a non-acquire');
  expect(cycle[0]).toEqual({ owner: cmd.owner, resource: cmd.resource });
  expect(new Set(cycle.map((s) => s.owner)).size).toBe(cycle.length);
  cycle.forEach((step, k) => {
    const next = cycle[(k + 1) % cycle.length].owner;
    if (k === 0) {
      expect(model.blockers(cmd.resource, cmd.owner, cmd.mode, model.queueOf(cmd.resource))).toContain(next);
    } else {
      expect(edges).toContainEqual({ from: step.owner, to: next, resource: step.resource });
    }
  });
}

function normalize(result: ApplyOutcome['result']): ApplyOutcome['result'] {
  return result.status === 'deadlock' ? ({ ...(result as AcquireResult), cycle: [] } as AcquireResult) : result;
}

/** Deep equality with a cheap fast path; falls back to jest's diff (also on mere key-order differences). */
function same(got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
}

/** Cheap assertion for the hot loop (jest's expect is slow over tens of thousands of steps). */
function check(ok: boolean, what: string, detail: unknown): void {
  if (!ok) throw new Error(`invariant broken: ${what}: ${JSON.stringify(detail)}`);
}

function checkInvariants(
  table: LockTable,
  model: ReferenceLockModel,
  lastToken: Map<string, number>,
  out: ApplyOutcome,
  index: number,
): void {
  for (const r of RESOURCES) {
    const view = table.view(r);
    const { holders, waiters } = view;
    check(
      holders.every((h) => h.mode === 'shared') || holders.length === 1,
      'one exclusive holder alone, or only shared',
      view,
    );
    // Every waiter is blocked: under FIFO it suffices that the head cannot be granted.
    const head = waiters[0];
    check(
      !head || holders.some((h) => h.owner !== head.owner && modesConflict(h.mode, head.mode)),
      'head waiter is blocked',
      view,
    );
  }
  for (const e of out.events) {
    if (e.type !== 'granted') continue;
    check(
      e.fencingToken === index && e.fencingToken > (lastToken.get(e.resource) ?? 0),
      'grant token = index, above earlier grants',
      e,
    );
  }
  for (const e of out.events) if (e.type === 'granted') lastToken.set(e.resource, e.fencingToken);
  const snap = JSON.parse(table.snapshot()) as {
    resources: Array<[string, { holders: unknown[]; waiters: unknown[] }]>;
  };
  for (const [name, s] of snap.resources)
    check(s.holders.length + s.waiters.length > 0, 'no empty resource entry', name);
  const edges = model.edges();
  for (const o of OWNERS) {
    const targets = edges.filter((e) => e.from === o).map((e) => e.to);
    check(!model.reachable(targets, edges).has(o), 'wait-for graph acyclic', edges);
  }
}

/** How often the interesting paths ran, so a weakened generator cannot pass silently. */
const seen = {
  deadlock: 0,
  queued: 0,
  batchPromotion: 0,
  promotedUpgrade: 0,
  inPlaceUpgrade: 0,
  cancelUnblocked: 0,
  expired: 0,
  staleExpire: 0,
  cached: 0,
};
/** `sharedBefore`: "resource/owner" of every shared hold before the command. */
function tally(out: ApplyOutcome, cached: boolean, cmd: LockCommand, sharedBefore: ReadonlySet<string>): void {
  const grants = out.events.filter((e) => e.type === 'granted');
  if (cached) seen.cached++;
  if (out.result.status === 'deadlock') seen.deadlock++;
  if (out.result.status === 'queued') seen.queued++;
  if (out.result.status === 'expired') seen.expired++;
  if (cmd.op === 'expire' && out.result.status === 'stale') seen.staleExpire++;
  if (grants.length >= 2) seen.batchPromotion++;
  if (cmd.op === 'cancelWait' && grants.length > 0) seen.cancelUnblocked++;
  for (const g of grants) {
    if (g.mode === 'exclusive' && sharedBefore.has(`${g.resource}/${g.owner}`)) {
      if (g.waitId === null) seen.inPlaceUpgrade++;
      else seen.promotedUpgrade++;
    }
  }
}

function run(ops: readonly Op[]): void {
  let table = new LockTable();
  const model = new ReferenceLockModel();
  const lastToken = new Map<string, number>();
  let index = 0;
  for (const op of ops) {
    if (op.restore) table = LockTable.restore(table.snapshot());
    index += op.gap;
    const cmd = interpret(op, model, index);
    const edgesBefore = model.edges();
    const sharedBefore = new Set(
      model.holders.filter((h) => h.mode === 'shared').map((h) => `${h.resource}/${h.owner}`),
    );
    const got = table.apply(cmd, index);
    const want = model.apply(cmd, index);
    // A deadlock from the request cache repeats the first cycle, which was checked then.
    if (got.result.status === 'deadlock' && !model.lastWasCached)
      expectValidCycle(got.result.cycle, cmd, model, edgesBefore);
    tally(got, model.lastWasCached, cmd, sharedBefore);
    same(
      { result: normalize(got.result), events: got.events },
      { result: normalize(want.result), events: want.events },
    );
    const all = table.holdersAndWaiters();
    same(
      {
        views: RESOURCES.map((r) => table.view(r)),
        holders: all.holders.length,
        waiters: all.waiters.length,
        stats: table.stats(),
      },
      {
        views: RESOURCES.map((r) => model.view(r)),
        holders: model.holders.length,
        waiters: model.waiters.length,
        stats: {
          resources: new Set([...model.holders, ...model.waiters].map((x) => x.resource)).size,
          exclusive: model.holders.filter((h) => h.mode === 'exclusive').length,
          shared: model.holders.filter((h) => h.mode === 'shared').length,
          permits: 0,
          waiters: model.waiters.length,
          highestToken: model.highest,
          rememberedRequests: model.requests.length,
          lastIndex: index,
        },
      },
    );
    checkInvariants(table, model, lastToken, got, index);
  }
}

describe('LockTable against the reference model', () => {
  it('agrees on every result, event and view, and keeps the invariants', () => {
    fc.assert(
      fc.property(opsArb, (ops) => run(ops)),
      { numRuns: 1000 },
    );
    for (const [path, count] of Object.entries(seen))
      expect({ path, covered: count > 0 }).toEqual({ path, covered: true });
  });

  it('snapshot -> restore -> continue equals continue', () => {
    fc.assert(
      fc.property(opsArb, opsArb, (prefix, suffix) => {
        const model = new ReferenceLockModel();
        const original = new LockTable();
        let index = 0;
        for (const op of prefix) {
          index += op.gap;
          const cmd = interpret(op, model, index);
          model.apply(cmd, index);
          original.apply(cmd, index);
        }
        const copy = LockTable.restore(original.snapshot());
        for (const op of suffix) {
          index += op.gap;
          const cmd = interpret(op, model, index);
          model.apply(cmd, index);
          expect(copy.apply(cmd, index)).toEqual(original.apply(cmd, index));
        }
        expect(copy.snapshot()).toBe(original.snapshot());
      }),
      { numRuns: 200 },
    );
  });
});
