// The protocol as a whole: random loads, stores, deletes, evictions and flushes
// from three nodes over a few keys, every message delivered in a random order,
// with single-writer-multiple-readers, data-value and read-returns-the-newest-
// write checked after every step, and no deadlock and memory holding the
// newest writes once everything is flushed (simulation/). Then the same
// checker run against deliberately broken variants, to show it catches them.
import fc from 'fast-check';
import { stepLine, type Line, type LineEvent, type LineStep } from './cache-line.js';
import { stepDirectory, type DirAction, type DirEntry, type DirEvent, type DirStep } from './directory.js';
import {
  CALLER_WRITE_BACK_RULES,
  MesiSim,
  REAL_PROTOCOL,
  type Protocol,
  type SimOp,
  type SimOptions,
} from './simulation/mesi-sim.js';
import { emptyStats, mergeStats } from './simulation/sim-stats.js';
import { KEYS, NODES } from './simulation/sim-topology.js';

const ALL_KINDS: readonly SimOp['kind'][] = [
  'load',
  'load',
  'load',
  'store',
  'store',
  'store',
  'modify',
  'modify',
  'delete',
  'evict',
  'flush',
  'flush',
];

const runArb = (kinds = ALL_KINDS) =>
  fc.record({
    seed: fc.integer(),
    // How often a step issues the next op rather than delivering: from nearly sequential to many ops in flight.
    issueChance: fc.constantFrom(0.1, 0.3, 0.6),
    ops: fc.array(
      fc.record({ node: fc.constantFrom(...NODES), key: fc.constantFrom(...KEYS), kind: fc.constantFrom(...kinds) }),
      { minLength: 150, maxLength: 200 },
    ),
  });

/** Runs the checker over random runs and returns the first violation it reports (without shrinking). */
function firstViolation(options: SimOptions, kinds = ALL_KINDS, numRuns = 200): string | undefined {
  const out = fc.check(
    fc.property(runArb(kinds), ({ seed, issueChance, ops }) => {
      new MesiSim(seed, { issueChance, ...options }).run(ops);
    }),
    { numRuns, seed: 20240607, endOnFailure: true },
  );
  return out.failed ? String(out.errorInstance) : undefined;
}

describe('MESI protocol, simulated', () => {
  it('keeps every coherence invariant under random interleavings, and ends with memory up to date', () => {
    const total = emptyStats();
    fc.assert(
      fc.property(runArb(), ({ seed, issueChance, ops }) => {
        const stats = new MesiSim(seed, { issueChance }).run(ops);
        expect(stats.completedOps).toBe(ops.length);
        mergeStats(total, stats);
      }),
      { numRuns: 300 },
    );
    // The runs went through the paths that matter, so a weakened generator cannot pass unnoticed.
    expect(total.maxInFlight).toBeGreaterThan(10);
    for (const k of ['localHits', 'forwardsWhilePending', 'dirtyHandoffs', 'queuedRequests'] as const)
      expect({ [k]: total[k] > 1000 }).toEqual({ [k]: true });
    // Late write-backs that memory's version fence turned away.
    expect(total.rejectedWriteBacks).toBeGreaterThan(10);
    expect(Object.keys(total.grants).sort()).toEqual([
      'delete',
      'evict',
      'read-E-memory',
      'read-I',
      'read-S-memory',
      'read-S-peer',
      'write',
      'write-on-shared-copy',
      'write-with-value',
    ]);
    // Every reachable line state (cache-line.spec.ts) but SI_A: a forward waits for the eviction's write-back, so
    // it never finds M*I_A to downgrade (the write-back rules below). And every directory phase.
    expect(Object.keys(total.lineStates).sort()).toEqual(
      ['E', 'I', 'ID_D', 'II_A', 'IM_D', 'IS_D', 'M', 'M*', 'M*D_D', 'M*I_A', 'MD_D', 'S', 'SM_D'].sort(),
    );
    const phases = new Set(Object.keys(total.dirStates).map((s) => s.split(':').slice(1).join(':')));
    expect([...phases].sort()).toEqual(
      [
        '',
        'del:forwarding',
        'del:granted',
        'del:memory',
        'getM:forwarding',
        'getM:granted',
        'getM:memory',
        'getM:writing',
        'getMD:forwarding',
        'getMD:granted',
        'getMD:memory',
        'getMD:writing',
        'getS:forwarding',
        'getS:granted',
        'getS:memory',
        'getS:writing',
      ].sort(),
    );
  });
});

/** A line that acknowledges an invalidation of its S copy but keeps the copy. */
const keepsInvalidatedCopy: Protocol = {
  ...REAL_PROTOCOL,
  stepLine: (line: Line, event: LineEvent): LineStep => {
    const out = stepLine(line, event);
    return event.type === 'forward' && event.kind === 'invalidate' && line.held === 'S'
      ? { ...out, line: { ...out.line, held: 'S', value: line.value } }
      : out;
  },
};

/** A line that reports its dirty data as clean when downgraded, so the home never writes it back. */
const hidesDirtyData: Protocol = {
  ...REAL_PROTOCOL,
  stepLine: (line: Line, event: LineEvent): LineStep => {
    const out = stepLine(line, event);
    return {
      ...out,
      actions: out.actions.map((a) => (a.type === 'reply' ? { ...a, reply: { ...a.reply, dirty: false } } : a)),
    };
  },
};

/** A directory that grants once it has sent its invalidations, without waiting for the acknowledgements. */
const grantsBeforeAcks: Protocol = {
  ...REAL_PROTOCOL,
  stepDirectory: (entry: DirEntry, event: DirEvent): DirStep => {
    const out = stepDirectory(entry, event);
    let next = out.entry;
    const actions: DirAction[] = [...out.actions];
    for (const a of out.actions) {
      if (a.type !== 'forward' || a.kind !== 'invalidate') continue;
      const acked = stepDirectory(next, {
        type: 'reply',
        txn: a.txn,
        from: a.to,
        reply: { held: 'I', version: 0, dirty: false },
      });
      next = acked.entry;
      actions.push(...acked.actions);
    }
    return { entry: next, actions };
  },
};

/** A line that runs a read-modify-write on its shared copy at once, as if it owned the line. */
const modifiesSharedCopy: Protocol = {
  ...REAL_PROTOCOL,
  stepLine: (line: Line, event: LineEvent): LineStep => {
    if (event.type !== 'modify' || line.held !== 'S' || line.pending) return stepLine(line, event);
    const next = event.fn(line.value);
    return {
      line: next === undefined ? line : { ...line, held: 'M', value: next, dirty: true, writes: line.writes + 1 },
      actions: [{ type: 'answer', result: { op: 'modify', state: next === undefined ? 'S' : 'M' } }],
    };
  },
};

// Without deletes, so that a kept copy shows as two writers rather than as a stale copy of a deleted key.
const NO_DELETES = ALL_KINDS.filter((k) => k !== 'delete');

describe('the checker catches broken protocols', () => {
  it('a line that keeps an invalidated copy (SWMR)', () => {
    expect(firstViolation({ protocol: keepsInvalidatedCopy }, NO_DELETES)).toMatch(/SWMR/);
  });

  it('a line that hides dirty data from the home (data lost)', () => {
    expect(firstViolation({ protocol: hidesDirtyData })).toMatch(/data-value|newest write/);
  });

  it('a directory that grants a write before the invalidations are acknowledged (SWMR, or a modify that missed a write)', () => {
    expect(firstViolation({ protocol: grantsBeforeAcks }, NO_DELETES)).toMatch(/SWMR|modified .* but the newest write/);
  });

  it('a line that modifies its shared copy without asking the home (a lost update)', () => {
    expect(firstViolation({ protocol: modifiesSharedCopy }, NO_DELETES)).toMatch(
      /SWMR|modified .* but the newest write/,
    );
  });

  it('the real protocol on the same runs (the control)', () => {
    expect(firstViolation({}, ALL_KINDS, 50)).toBeUndefined();
    expect(firstViolation({}, NO_DELETES, 50)).toBeUndefined();
  });
});

// Write-backs are fenced by version only, so the protocol needs its caller to
// order a node's write-backs of a key and to answer forwards only after them
// (see WriteBackRules). Without either, memory can take older data last.
describe('the write-back rules the caller must keep', () => {
  it('a node whose write-backs of a key may overtake each other loses writes', () => {
    expect(firstViolation({ writeBackRules: { ...CALLER_WRITE_BACK_RULES, ordered: false } })).toMatch(
      /data-value|newest write/,
    );
  });

  it('a node that answers a forward while its write-back is in flight loses writes', () => {
    expect(firstViolation({ writeBackRules: { ...CALLER_WRITE_BACK_RULES, beforeForwards: false } })).toMatch(
      /data-value|newest write/,
    );
  });
});
