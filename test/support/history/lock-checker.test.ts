import { checkLockHistory, formatLockViolations, type LockCheckResult } from './lock-checker.js';
import { HistoryBuilder } from './history-builder.js';

const acquire = (owner: string, ttlMs = 100, mode: 'exclusive' | 'shared' = 'exclusive', resource = 'r') => ({
  resource,
  owner,
  mode,
  ttlMs,
});
const release = (owner: string, resource = 'r') => ({ resource, owner });
const granted = (fencingToken: number, extra: Record<string, unknown> = {}) => ({
  status: 'granted',
  fencingToken,
  ...extra,
});
const RELEASED = { status: 'released' };

function expectValid(result: LockCheckResult): void {
  expect(formatLockViolations(result)).toBe('');
  expect(result.ok).toBe(true);
}

function kinds(result: LockCheckResult): string[] {
  return result.violations.map((v) => v.kind);
}

describe('lock history checker: valid histories pass', () => {
  it('accepts sequential exclusive holders with increasing tokens', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(1))
      .ok('a', 'release', release('a'), [5, 6], RELEASED)
      .ok('b', 'acquire', acquire('b'), [7, 8], granted(2))
      .ok('b', 'release', release('b'), [9, 10], RELEASED)
      .build();
    const result = checkLockHistory(h);
    expectValid(result);
    expect(result.holds.map((x) => [x.owner, x.start, x.end])).toEqual([
      ['a', 1, 5],
      ['b', 8, 9],
    ]);
    expect(result.stats).toMatchObject({ ops: 4, resources: 1, grants: 2, certainHolds: 2, unknownOps: 0 });
  });

  it('accepts a waiter granted after the holder released, its wait overlapping the hold', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(1))
      .ok('b', 'acquire', { ...acquire('b'), waitMs: 50 }, [2, 11], granted(2))
      .ok('a', 'release', release('a'), [9, 10], RELEASED)
      .fail('c', 'acquire', acquire('c'), [3, 4], { status: 'locked' })
      .ok('c', 'acquire', acquire('c'), [5, 6], { status: 'locked', holders: [] })
      .build();
    expectValid(checkLockHistory(h));
  });

  it('accepts a grant whose window overlaps the previous release window', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(1))
      .ok('a', 'release', release('a'), [9, 12], RELEASED)
      .ok('b', 'acquire', acquire('b'), [8, 11], granted(2))
      .build();
    expectValid(checkLockHistory(h));
  });

  it('accepts a grant after the previous lease ran out without a release', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b'), [99, 101], granted(2))
      .build();
    expectValid(checkLockHistory(h));
  });

  it('accepts shared holders overlapping each other', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100, 'shared'), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b', 100, 'shared'), [2, 3], granted(2))
      .ok('a', 'release', release('a'), [10, 11], RELEASED)
      .ok('c', 'acquire', acquire('c'), [12, 13], granted(3))
      .ok('b', 'release', release('b'), [10, 11.5], RELEASED)
      .build();
    // c's exclusive grant at 13 comes after b's release began at 10: it may have taken effect at 10.
    expectValid(checkLockHistory(h));
  });

  it('accepts unknown acquires and releases that are consistent', () => {
    const h = new HistoryBuilder()
      .unknown('a', 'acquire', acquire('a'), [0, 50])
      .ok('b', 'acquire', acquire('b'), [10, 11], granted(2))
      .ok('b', 'release', release('b'), [20, 21], RELEASED)
      .ok('c', 'acquire', acquire('c'), [22, 23], granted(3))
      .unknown('c', 'release', release('c'), [30, 60], 'socket hang up')
      .ok('d', 'acquire', acquire('d'), [31, 32], granted(4))
      .pending('e', 'acquire', acquire('e'), 40)
      .build();
    const result = checkLockHistory(h);
    expectValid(result);
    expect(result.stats.unknownOps).toBe(3);
  });

  it('accepts a re-acquire by the holder returning the same token', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(7))
      .ok('a', 'acquire', acquire('a'), [5, 6], granted(7))
      .ok('a', 'release', release('a'), [8, 9], RELEASED)
      .ok('b', 'acquire', acquire('b'), [10, 11], granted(9))
      .build();
    const result = checkLockHistory(h);
    expectValid(result);
    expect(result.stats.grants).toBe(2);
  });

  it('lets a TTL margin absorb clock-rate differences', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b'), [92, 93], granted(2))
      .build();
    expect(checkLockHistory(h).ok).toBe(false);
    expectValid(checkLockHistory(h, { leaseMarginMs: 10 }));
  });

  it('ignores operations other than acquire, release and renew, and separates resources', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100, 'exclusive', 'x'), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b', 100, 'exclusive', 'y'), [2, 3], granted(1))
      .ok('a', 'read', { key: 'k' }, [4, 5], 'v')
      .build();
    const result = checkLockHistory(h);
    expectValid(result);
    expect(result.stats.resources).toBe(2);
  });
});

describe('lock history checker: planted violations are caught', () => {
  it('catches two exclusive holders overlapping in real time', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b'), [5, 6], granted(2))
      .ok('a', 'release', release('a'), [10, 11], RELEASED)
      .build();
    const result = checkLockHistory(h);
    expect(kinds(result)).toEqual(['exclusive-overlap']);
    const report = formatLockViolations(result);
    expect(report).toContain('a (exclusive, token 1) certainly held [1.000, 10.000]');
    expect(report).toContain('b (exclusive, token 2) certainly held [6.000, 105.000]');
    expect(report).toContain('#1 b acquire');
  });

  it('catches an exclusive holder overlapping a shared one', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100, 'shared'), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b', 100, 'exclusive'), [5, 6], granted(2))
      .build();
    expect(kinds(checkLockHistory(h))).toEqual(['exclusive-shared-overlap']);
  });

  it('catches a grant while a lease still ran (no early expiry)', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100), [0, 1], granted(1))
      .ok('b', 'acquire', acquire('b'), [90, 95], granted(2))
      .build();
    expect(kinds(checkLockHistory(h))).toEqual(['exclusive-overlap']);
  });

  it('extends the lease bound by a re-acquire and by a renew', () => {
    const reacquire = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100), [0, 1], granted(1))
      .ok('a', 'acquire', acquire('a', 100), [80, 81], granted(1))
      .ok('b', 'acquire', acquire('b'), [150, 151], granted(2))
      .build();
    expect(kinds(checkLockHistory(reacquire))).toEqual(['exclusive-overlap']);
    const renew = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100), [0, 1], granted(1))
      .ok('a', 'renew', { resource: 'r', owner: 'a', ttlMs: 100 }, [90, 91], {
        status: 'renewed',
        ttlMs: 100,
        fencingToken: 1,
      })
      .ok('b', 'acquire', acquire('b'), [120, 121], granted(2))
      .build();
    expect(kinds(checkLockHistory(renew))).toEqual(['exclusive-overlap']);
  });

  it('does not extend the lease by an unknown renew or a not_held renew', () => {
    const h = (renewOutcome: 'unknown' | 'notHeld') => {
      const b = new HistoryBuilder().ok('a', 'acquire', acquire('a', 100), [0, 1], granted(1));
      const args = { resource: 'r', owner: 'a', ttlMs: 100 };
      if (renewOutcome === 'unknown') b.unknown('a', 'renew', args, [90, 99]);
      else b.ok('a', 'renew', args, [90, 91], { status: 'not_held' });
      return b.ok('b', 'acquire', acquire('b'), [120, 121], granted(2)).build();
    };
    expectValid(checkLockHistory(h('unknown')));
    expectValid(checkLockHistory(h('notHeld')));
  });

  it('catches a fencing token that goes backwards in real-time order', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(5))
      .ok('a', 'release', release('a'), [2, 3], RELEASED)
      .ok('b', 'acquire', acquire('b'), [4, 5], granted(3))
      .build();
    const result = checkLockHistory(h);
    expect(kinds(result)).toEqual(['token-order']);
    expect(result.violations[0]?.message).toContain('larger token 5');
  });

  it('allows any token order between concurrent grants', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100, 'shared'), [0, 10], granted(5))
      .ok('b', 'acquire', acquire('b', 100, 'shared'), [2, 3], granted(3))
      .build();
    expectValid(checkLockHistory(h));
  });

  it('catches one token issued for two grants to different owners', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(4))
      .ok('a', 'release', release('a'), [2, 3], RELEASED)
      .ok('b', 'acquire', acquire('b'), [4, 5], granted(4))
      .build();
    expect(kinds(checkLockHistory(h))).toEqual(['duplicate-token']);
  });

  it('catches a token reused for the same owner after its release', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a'), [0, 1], granted(4))
      .ok('a', 'release', release('a'), [2, 3], RELEASED)
      .ok('a', 'acquire', acquire('a'), [4, 5], granted(4))
      .build();
    const result = checkLockHistory(h);
    expect(kinds(result)).toEqual(['duplicate-token']);
    expect(result.violations[0]?.message).toContain("after a's release #1");
  });

  it('flags concurrent shared grants sharing a token unless the option allows it', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100, 'shared'), [0, 10], granted(6))
      .ok('b', 'acquire', acquire('b', 100, 'shared'), [2, 10], granted(6))
      .build();
    expect(kinds(checkLockHistory(h))).toEqual(['duplicate-token']);
    expectValid(checkLockHistory(h, { sharedGrantsMayShareToken: true }));
  });

  it('semaphores: accepts up to `permits` overlapping holders, catches one more', () => {
    const sem = (owner: string) => ({ ...acquire(owner, 100), resource: 's', permits: 2 });
    const two = new HistoryBuilder()
      .ok('a', 'acquire', sem('a'), [0, 1], granted(1))
      .ok('b', 'acquire', sem('b'), [2, 3], granted(2))
      .ok('a', 'release', release('a', 's'), [10, 11], RELEASED)
      .ok('c', 'acquire', sem('c'), [12, 13], granted(3))
      .build();
    expectValid(checkLockHistory(two));
    const three = new HistoryBuilder()
      .ok('a', 'acquire', sem('a'), [0, 1], granted(1))
      .ok('b', 'acquire', sem('b'), [2, 3], granted(2))
      .ok('c', 'acquire', sem('c'), [4, 5], granted(3))
      .build();
    const result = checkLockHistory(three);
    expect(kinds(result)).toEqual(['permits-exceeded']);
    expect(formatLockViolations(result)).toMatch(/semaphore s \(2 permits\) had 3 holders/);
    // As a lock the same history breaks mutual exclusion everywhere; as a semaphore of 3 it is fine.
    const asThree = three.map((op) => ({ ...op, args: { ...(op.args as object), permits: 3 } }));
    expectValid(checkLockHistory(asThree));
  });

  it('rejects malformed lock ops with the op in the message', () => {
    const h = new HistoryBuilder().ok('a', 'acquire', acquire('a'), [0, 1], { status: 'granted' }).build();
    expect(() => checkLockHistory(h)).toThrow(/numeric fencingToken: #0 a acquire/);
  });
});

describe('lock history checker: the lock service’s own behaviours', () => {
  it('accepts a shared holder upgraded in place to exclusive with a shorter TTL', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100, 'shared'), [0, 1], granted(5, { mode: 'shared' }))
      .ok('a', 'acquire', acquire('a', 10, 'exclusive'), [5, 6], granted(9, { mode: 'exclusive' }))
      .ok('b', 'acquire', acquire('b', 100, 'exclusive'), [20, 21], granted(12))
      .build();
    expectValid(checkLockHistory(h));
  });

  it('accepts HTTP-shaped replies ({acquired, fencingToken, mode, expiresInMs}; {renewed, fencingToken})', () => {
    const h = new HistoryBuilder()
      .ok('a', 'acquire', acquire('a', 100), [0, 1], {
        acquired: true,
        resource: 'r',
        owner: 'a',
        mode: 'exclusive',
        fencingToken: 3,
        expiresInMs: 99,
      })
      .ok('a', 'renew', { resource: 'r', owner: 'a' }, [50, 51], { renewed: true, fencingToken: 3, expiresInMs: 99 })
      .fail('b', 'acquire', acquire('b'), [120, 121], { code: 'LOCKED' })
      .ok('a', 'release', release('a'), [130, 131], { released: true })
      .ok('b', 'acquire', acquire('b'), [132, 133], { acquired: true, mode: 'exclusive', fencingToken: 8 })
      .build();
    const result = checkLockHistory(h);
    expectValid(result);
    expect(result.holds[0]).toMatchObject({ owner: 'a', start: 1, end: 130 });
  });
});
