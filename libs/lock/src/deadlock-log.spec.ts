import { DeadlockLog } from './deadlock-log.js';
import { RECENT_DEADLOCKS_MAX } from './lock-limits.js';
import { LockStateMachine } from './lock-state-machine.js';
import type { Entry } from '@dss/raft';

const entry = (index: number, command: object): Entry => ({
  index,
  term: 1,
  type: 'normal',
  data: JSON.stringify(command),
});
const acquire = (resource: string, owner: string, waitMs = 0, requestId?: string) => ({
  op: 'acquire',
  resource,
  owner,
  mode: 'exclusive',
  ttlMs: 1000,
  waitMs,
  ...(requestId ? { requestId } : {}),
});

/** a holds r1, b holds r2, a waits for r2: b waiting for r1 would close the cycle. Next index: 4. */
function crossed(): LockStateMachine {
  const m = new LockStateMachine();
  m.apply(entry(1, acquire('r1', 'a')));
  m.apply(entry(2, acquire('r2', 'b')));
  m.apply(entry(3, acquire('r2', 'a', 5000)));
  return m;
}

describe('recent deadlocks', () => {
  it('records a DEADLOCK refusal where the state machine applies it', () => {
    const m = crossed();
    const before = Date.now();
    expect(m.apply(entry(4, acquire('r1', 'b', 5000)))).toMatchObject({ status: 'deadlock' });
    const [rec, ...rest] = m.deadlocks.recent();
    expect(rest).toEqual([]);
    expect(rec).toMatchObject({ index: 4, owner: 'b', resource: 'r1', resources: ['r1'] });
    expect(rec.cycle.map((s) => s.owner).sort()).toEqual(['a', 'b']);
    expect(rec.when).toBeGreaterThanOrEqual(before);
    expect(rec.when).toBeLessThanOrEqual(Date.now());
  });

  it('records a refused set with all its members', () => {
    const m = crossed();
    const set = {
      op: 'acquireSet',
      owner: 'b',
      locks: [
        { resource: 'x', mode: 'exclusive' },
        { resource: 'r1', mode: 'exclusive' },
      ],
      ttlMs: 1000,
      waitMs: 5000,
    };
    expect(m.apply(entry(4, set))).toMatchObject({ status: 'deadlock' });
    expect(m.deadlocks.recent()).toMatchObject([{ owner: 'b', resources: ['x', 'r1'] }]);
  });

  it('does not record a requestId retry again, nor anything but DEADLOCK', () => {
    const m = crossed();
    m.apply(entry(4, acquire('r1', 'b', 5000, 'q')));
    m.apply(entry(5, acquire('r1', 'b', 5000, 'q')));
    m.apply(entry(6, acquire('r1', 'c'))); // LOCKED
    expect(m.deadlocks.recent().map((r) => r.index)).toEqual([4]);
  });

  it('keeps the newest RECENT_DEADLOCKS_MAX, newest first', () => {
    let now = 0;
    const log = new DeadlockLog(RECENT_DEADLOCKS_MAX, () => ++now);
    const cmd = { op: 'acquire', resource: 'r', owner: 'o', mode: 'exclusive', ttlMs: 1000, waitMs: 1 } as const;
    for (let i = 1; i <= RECENT_DEADLOCKS_MAX + 5; i++)
      log.observe(cmd, { status: 'deadlock', resource: 'r', cycle: [{ owner: 'o', resource: 'r' }] }, i);
    const recent = log.recent();
    expect(recent).toHaveLength(RECENT_DEADLOCKS_MAX);
    expect(recent[0]).toMatchObject({ index: RECENT_DEADLOCKS_MAX + 5, when: RECENT_DEADLOCKS_MAX + 5 });
    expect(recent.at(-1)?.index).toBe(6);
    // Copies: what a caller holds does not follow later records.
    log.observe(cmd, { status: 'deadlock', resource: 'r', cycle: [] }, 1000);
    expect(recent[0].index).toBe(RECENT_DEADLOCKS_MAX + 5);
  });

  it('starts empty (a restarted node, or one restored from a snapshot, knows none)', () => {
    const m = crossed();
    m.apply(entry(4, acquire('r1', 'b', 5000)));
    const fresh = new LockStateMachine();
    fresh.restore(m.snapshot());
    expect(fresh.deadlocks.recent()).toEqual([]);
  });
});
