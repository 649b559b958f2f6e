import fc from 'fast-check';
import { HistoryBuilder } from './history-builder.js';
import { checkLinearizable } from './linearizability.js';
import { mutexModel, registerModel } from './models.js';
import { simulateLockHistory, type SimStep } from './lock-simulation.js';
import type { HistoryOp } from './history-types.js';

const w = (key: string, value: unknown) => ({ key, value });
const r = (key: string) => ({ key });

describe('linearizability checker: register model', () => {
  it('accepts a sequential history and concurrent ops in either order', () => {
    const h = new HistoryBuilder()
      .ok('a', 'write', w('k', 1), [0, 1])
      .ok('b', 'read', r('k'), [2, 3], 1)
      .ok('a', 'write', w('k', 2), [4, 10])
      .ok('b', 'read', r('k'), [5, 6], 1) // the write may not have happened yet
      .ok('c', 'read', r('k'), [7, 8], 2) // ... and here it has
      .ok('b', 'read', r('k'), [11, 12], 2)
      .build();
    const result = checkLinearizable(h, registerModel());
    expect(result.message).toBe('register: linearizable (1 partitions)');
    expect(result.ok).toBe(true);
  });

  it('catches a stale read and names the op and the prefix', () => {
    const h = new HistoryBuilder()
      .ok('a', 'write', w('k', 1), [0, 1])
      .ok('a', 'write', w('k', 2), [2, 3])
      .ok('b', 'read', r('k'), [4, 5], 1)
      .build();
    const result = checkLinearizable(h, registerModel());
    expect(result.status).toBe('violation');
    expect(result.partitions[0]?.culprit?.index).toBe(2);
    expect(result.message).toContain('NOT linearizable');
    expect(result.message).toContain('#2 b read {"key":"k"} → ok 1 [4.000, 5.000]');
  });

  it('treats unknown writes as maybe-happened (at any later time) and fails as never-happened', () => {
    const h = new HistoryBuilder()
      .unknown('a', 'write', w('k', 1), [0, 2])
      .ok('b', 'read', r('k'), [3, 4], null)
      .ok('b', 'read', r('k'), [10, 11], 1)
      .fail('c', 'write', w('k', 9), [12, 13])
      .ok('b', 'read', r('k'), [14, 15], 1)
      .pending('d', 'write', w('k', 3), 16)
      .build();
    expect(checkLinearizable(h, registerModel()).ok).toBe(true);
    const failedWriteRead = new HistoryBuilder()
      .fail('c', 'write', w('k', 9), [0, 1])
      .ok('b', 'read', r('k'), [2, 3], 9)
      .build();
    expect(checkLinearizable(failedWriteRead, registerModel()).status).toBe('violation');
  });

  it('checks getset (the value it replaced) and incr (the new number) like Redis answers them', () => {
    const good = new HistoryBuilder()
      .ok('a', 'write', w('k', 'x'), [0, 1])
      .ok('b', 'getset', w('k', 'y'), [2, 3], 'x')
      .ok('a', 'write', w('n', '5'), [0, 1])
      .ok('a', 'incr', { key: 'n', by: 2 }, [2, 3], 7)
      .ok('b', 'incr', { key: 'n', by: 1 }, [2, 5], 8) // concurrent: after a's
      .ok('c', 'read', r('n'), [6, 7], '8')
      .ok('c', 'incr', { key: 'fresh', by: 3 }, [0, 1], 3)
      .build();
    expect(checkLinearizable(good, registerModel()).message).toBe('register: linearizable (3 partitions)');
    // A getset that answers a value already replaced, a lost increment, an increment of text.
    const stale = new HistoryBuilder()
      .ok('a', 'write', w('k', 'x'), [0, 1])
      .ok('a', 'write', w('k', 'y'), [2, 3])
      .ok('b', 'getset', w('k', 'z'), [4, 5], 'x')
      .build();
    expect(checkLinearizable(stale, registerModel()).status).toBe('violation');
    const lost = new HistoryBuilder()
      .ok('a', 'incr', { key: 'n', by: 1 }, [0, 1], 1)
      .ok('b', 'incr', { key: 'n', by: 1 }, [2, 3], 1)
      .build();
    expect(checkLinearizable(lost, registerModel()).status).toBe('violation');
    const text = new HistoryBuilder()
      .ok('a', 'write', w('n', 'abc'), [0, 1])
      .ok('b', 'incr', { key: 'n', by: 1 }, [2, 3], 1)
      .build();
    expect(checkLinearizable(text, registerModel()).status).toBe('violation');
  });

  it('checks keys independently (P-compositionality) and supports cas', () => {
    const h = new HistoryBuilder()
      .ok('a', 'write', w('x', 1), [0, 1])
      .ok('a', 'write', w('y', 5), [0, 1])
      .ok('b', 'cas', { key: 'x', expected: 1, value: 2 }, [2, 3], true)
      .ok('c', 'cas', { key: 'y', expected: 1, value: 2 }, [2, 3], false)
      .ok('b', 'read', r('x'), [4, 5], 2)
      .ok('b', 'read', r('y'), [4, 5], 5)
      .build();
    const result = checkLinearizable(h, registerModel());
    expect(result.ok).toBe(true);
    expect(result.partitions.map((p) => p.key).sort()).toEqual(['x', 'y']);
    const badCas = new HistoryBuilder()
      .ok('a', 'write', w('x', 1), [0, 1])
      .ok('b', 'cas', { key: 'x', expected: 0, value: 2 }, [2, 3], true)
      .build();
    expect(checkLinearizable(badCas, registerModel()).status).toBe('violation');
  });

  it('answers unknown instead of searching forever when the budget runs out', () => {
    const b = new HistoryBuilder();
    // Many concurrent writes and reads nobody can explain cheaply: every order must be tried.
    for (let i = 0; i < 12; i++) b.ok(`w${i}`, 'write', w('k', i), [0, 100]);
    b.ok('r', 'read', r('k'), [101, 102], 99);
    const result = checkLinearizable(b.build(), registerModel(), { maxSteps: 1000 });
    expect(result.status).toBe('unknown');
    expect(result.ok).toBe(false);
    expect(result.message).toContain('UNKNOWN, search exceeded 1000 steps over 13 ops');
  });

  it('passes histories from a linearizable register with random real-time windows', () => {
    const op = fc.record({
      client: fc.integer({ min: 0, max: 3 }),
      write: fc.boolean(),
      value: fc.integer({ min: 0, max: 3 }),
      delay: fc.integer({ min: 0, max: 5 }),
      before: fc.integer({ min: 0, max: 5 }),
      after: fc.integer({ min: 0, max: 5 }),
      lost: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const clocks = new Map<number, number>();
        const timed = ops.map((o, i) => {
          const invokedAt = (clocks.get(o.client) ?? 0) + o.delay + i * 1e-6;
          const at = invokedAt + o.before;
          const completedAt = at + o.after;
          clocks.set(o.client, completedAt);
          return { o, invokedAt, at, completedAt };
        });
        let value: unknown = null;
        const b = new HistoryBuilder();
        for (const t of [...timed].sort((x, y) => x.at - y.at)) {
          if (t.o.write) value = t.o.value;
          const lostReply = t.o.lost && t.o.write;
          if (lostReply) b.unknown(`c${t.o.client}`, 'write', w('k', t.o.value), [t.invokedAt, t.completedAt]);
          else if (t.o.write) b.ok(`c${t.o.client}`, 'write', w('k', t.o.value), [t.invokedAt, t.completedAt]);
          else b.ok(`c${t.o.client}`, 'read', r('k'), [t.invokedAt, t.completedAt], value);
        }
        const result = checkLinearizable(b.build(), registerModel());
        if (!result.ok) throw new Error(result.message);
      }),
      { numRuns: 300 },
    );
  });
});

describe('linearizability checker: mutex model', () => {
  const acq = (owner: string, mode: 'exclusive' | 'shared' = 'exclusive') => ({ resource: 'r', owner, mode });
  const rel = (owner: string) => ({ resource: 'r', owner });

  it('accepts acquire/release with waits, refusals and shared holders', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acq('a'), [0, 1])
      .ok('b', 'acquire', acq('b'), [2, 9]) // waited for a's release
      .ok('c', 'acquire', acq('c'), [3, 4], { status: 'locked' })
      .ok('a', 'release', rel('a'), [5, 6], { status: 'released' })
      .ok('b', 'release', rel('b'), [10, 11])
      .ok('a', 'release', rel('a'), [12, 13], { status: 'not_held' })
      .ok('c', 'acquire', acq('c', 'shared'), [14, 15])
      .ok('d', 'acquire', acq('d', 'shared'), [14, 15])
      .ok('a', 'acquire', acq('a'), [16, 17], { status: 'locked' })
      .build();
    const result = checkLinearizable(h, mutexModel());
    expect(result.message).toBe('mutex: linearizable (1 partitions)');
  });

  it('catches a double acquire', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acq('a'), [0, 1])
      .ok('b', 'acquire', acq('b'), [2, 3])
      .ok('a', 'release', rel('a'), [4, 5])
      .build();
    const result = checkLinearizable(h, mutexModel());
    expect(result.status).toBe('violation');
    expect(result.partitions[0]?.culprit?.index).toBe(1);
  });

  it('passes simulated lock histories whose leases never expire', () => {
    const step: fc.Arbitrary<SimStep> = fc.record({
      client: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('acquire', 'release'),
      resource: fc.integer({ min: 0, max: 1 }),
      mode: fc.constantFrom('exclusive', 'shared'),
      ttlMs: fc.constant(1e9),
      delay: fc.integer({ min: 0, max: 5 }),
      toApply: fc.integer({ min: 0, max: 5 }),
      toReply: fc.integer({ min: 0, max: 5 }),
      fate: fc.constantFrom('ok', 'ok', 'ok', 'lostRequest', 'lostReply'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const history: HistoryOp[] = simulateLockHistory(steps);
        const result = checkLinearizable(history, mutexModel());
        if (!result.ok) throw new Error(result.message);
      }),
      { numRuns: 300 },
    );
  });
});
