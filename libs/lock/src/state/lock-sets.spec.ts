// Example-based tests of semaphores (permits > 1) and lock sets (acquireSet and friends),
// one rule each. The invariants over random commands are in lock-sets.property.spec.ts.
import type { AcquireSetCommand, LockCommand, LockEvent, SetMember } from './lock-commands.js';
import { LockTable } from './lock-table.js';
import { InvalidLockCommandError, validateLockCommand } from './parse-lock-command.js';
import { acquire, Driver, release, TTL, WAIT } from './lock-table.test-kit.js';

const granted = (events: readonly LockEvent[]) => events.filter((e) => e.type === 'granted');
const sem = (resource: string, owner: string, permits: number, waitMs = 0) =>
  acquire(resource, owner, 'exclusive', waitMs, { permits });
const x = (resource: string): SetMember => ({ resource, mode: 'exclusive' });
const set = (owner: string, locks: SetMember[], waitMs = 0, extra: Partial<AcquireSetCommand> = {}): LockCommand => ({
  op: 'acquireSet',
  owner,
  locks,
  ttlMs: TTL,
  waitMs,
  ...extra,
});

describe('semaphores', () => {
  it('admits up to `permits` holders, each with its own token, and refuses the next', () => {
    const d = new Driver();
    expect(d.apply(sem('s', 'a', 2)).result).toMatchObject({ status: 'granted', fencingToken: 1 });
    expect(d.apply(sem('s', 'b', 2)).result).toMatchObject({ status: 'granted', fencingToken: 2 });
    expect(d.apply(sem('s', 'c', 2)).result).toMatchObject({
      status: 'locked',
      holders: [{ owner: 'a' }, { owner: 'b' }],
    });
    expect(d.table.view('s').permits).toBe(2);
    expect(d.table.stats()).toMatchObject({ permits: 2, exclusive: 0, shared: 0 });
  });

  it('refuses a request with another permit count while the resource lives, and forgets it once free', () => {
    const d = new Driver();
    d.apply(sem('s', 'a', 3));
    expect(d.apply(sem('s', 'b', 2)).result).toEqual({ status: 'permitsMismatch', resource: 's', permits: 3 });
    expect(d.apply(acquire('s', 'b')).result).toEqual({ status: 'permitsMismatch', resource: 's', permits: 3 });
    d.apply(acquire('l', 'a'));
    expect(d.apply(sem('l', 'b', 2)).result).toEqual({ status: 'permitsMismatch', resource: 'l', permits: 1 });
    d.apply(release('s', 'a'));
    expect(d.apply(sem('s', 'b', 2)).result).toMatchObject({ status: 'granted' });
    expect(d.table.view('s').permits).toBe(2);
  });

  it('queues FIFO once full and grants the head when a permit comes back', () => {
    const d = new Driver();
    d.apply(sem('s', 'a', 2));
    d.apply(sem('s', 'b', 2));
    expect(d.apply(sem('s', 'c', 2, WAIT)).result).toMatchObject({ status: 'queued', waitId: 3 });
    expect(d.apply(sem('s', 'd', 2, WAIT)).result).toMatchObject({ status: 'queued', waitId: 4 });
    const out = d.apply(release('s', 'b'));
    expect(granted(out.events)).toEqual([expect.objectContaining({ owner: 'c', fencingToken: 5, waitId: 3 })]);
    expect(d.table.view('s').holders.map((h) => h.owner)).toEqual(['a', 'c']);
    expect(d.table.view('s').waiters.map((w) => w.owner)).toEqual(['d']);
  });

  it('a re-acquire by a holder refreshes its lease and keeps its token (one permit per owner)', () => {
    const d = new Driver();
    d.apply(sem('s', 'a', 2));
    expect(d.apply(sem('s', 'a', 2)).result).toMatchObject({ status: 'granted', fencingToken: 1, leaseIndex: 2 });
    expect(d.table.view('s').holders).toHaveLength(1);
  });

  it('is not a deadlock while a holder outside the cycle can still give a permit back', () => {
    const d = new Driver();
    d.apply(sem('s', 'a', 2));
    d.apply(sem('s', 'b', 2));
    d.apply(acquire('r', 'c'));
    expect(d.apply(acquire('r', 'a', 'exclusive', WAIT)).result).toMatchObject({ status: 'queued' });
    // c -> {a, b} on s, a -> c on r: a cycle, but b waits for nothing and will give its permit back.
    expect(d.apply(sem('s', 'c', 2, WAIT)).result).toMatchObject({ status: 'queued' });
  });

  it('is a deadlock when every permit holder waits, directly or not, for the requester', () => {
    const d = new Driver();
    d.apply(sem('s', 'a', 2));
    d.apply(sem('s', 'b', 2));
    d.apply(acquire('r', 'c'));
    d.apply(acquire('r', 'a', 'exclusive', WAIT));
    d.apply(acquire('r', 'b', 'exclusive', WAIT));
    const out = d.apply(sem('s', 'c', 2, WAIT));
    expect(out.result).toMatchObject({ status: 'deadlock', resource: 's' });
    expect(out.result.status === 'deadlock' && out.result.cycle[0]).toEqual({ owner: 'c', resource: 's' });
    expect(d.table.view('s').waiters).toEqual([]);
  });

  it('has no shared mode and no more than MAX_PERMITS permits', () => {
    expect(() => validateLockCommand({ ...acquire('s', 'a', 'shared'), permits: 2 })).toThrow(InvalidLockCommandError);
    expect(() => validateLockCommand(sem('s', 'a', 10_001))).toThrow(/permits/);
    expect(() => validateLockCommand(sem('s', 'a', 0))).toThrow(/permits/);
    // permits: 1 is a lock, shared mode included, and is stored as one.
    expect(validateLockCommand({ ...acquire('s', 'a', 'shared'), permits: 1 })).not.toHaveProperty('permits');
  });
});

describe('lock sets', () => {
  it('grants every member in one entry, with one token, or nothing', () => {
    const d = new Driver();
    const out = d.apply(set('a', [x('r1'), { resource: 'r2', mode: 'shared' }, { ...x('s'), permits: 2 }]));
    expect(out.result).toEqual({
      status: 'granted',
      owner: 'a',
      fencingToken: 1,
      leaseIndex: 1,
      locks: [
        { resource: 'r1', mode: 'exclusive', ttlMs: TTL },
        { resource: 'r2', mode: 'shared', ttlMs: TTL },
        { resource: 's', mode: 'exclusive', ttlMs: TTL },
      ],
    });
    expect(granted(out.events).map((e) => [e.resource, e.fencingToken, e.waitId])).toEqual([
      ['r1', 1, null],
      ['r2', 1, null],
      ['s', 1, null],
    ]);
    expect(d.table.view('s').permits).toBe(2);
  });

  it('try-once: one member held means LOCKED naming it, and no member is taken', () => {
    const d = new Driver();
    d.apply(acquire('r2', 'b'));
    const out = d.apply(set('a', [x('r1'), x('r2')]));
    expect(out.result).toMatchObject({ status: 'locked', resource: 'r2', holders: [{ owner: 'b' }] });
    expect(out.events).toEqual([]);
    expect(d.table.view('r1').holders).toEqual([]);
  });

  it('waits in every member queue and is granted whole, the first member event ending the wait', () => {
    const d = new Driver();
    d.apply(acquire('r2', 'b'));
    expect(d.apply(set('a', [x('r1'), x('r2')], WAIT)).result).toEqual({
      status: 'queued',
      resource: 'r1',
      waitId: 2,
    });
    expect(d.table.view('r1').waiters).toEqual([
      { owner: 'a', mode: 'exclusive', waitId: 2, waitMs: WAIT, ttlMs: TTL, set: ['r1', 'r2'] },
    ]);
    // Its place in r1's queue is kept: a later request for r1 queues behind it.
    expect(d.apply(acquire('r1', 'c', 'exclusive', WAIT)).result).toMatchObject({ status: 'queued', waitId: 3 });
    const out = d.apply(release('r2', 'b'));
    expect(granted(out.events).map((e) => [e.resource, e.owner, e.fencingToken, e.waitId])).toEqual([
      ['r1', 'a', 4, 2],
      ['r2', 'a', 4, null],
    ]);
    expect(d.table.view('r1').waiters.map((w) => w.owner)).toEqual(['c']);
  });

  it('is stepped over where it cannot be served yet, when a semaphore has permits for those behind', () => {
    const d = new Driver();
    d.apply(sem('s', 'x', 2));
    d.apply(acquire('r', 'h'));
    d.apply(set('a', [{ ...x('s'), permits: 2 }, x('r')], WAIT)); // holds its permit in line
    expect(d.apply(sem('s', 'y', 2, WAIT)).result).toMatchObject({ status: 'queued' });
    const out = d.apply(release('s', 'x'));
    expect(granted(out.events).map((e) => e.owner)).toEqual(['y']);
    expect(d.table.view('s').waiters.map((w) => w.owner)).toEqual(['a']);
  });

  it('a cancelled set wait leaves every queue and unblocks those behind it', () => {
    const d = new Driver();
    d.apply(acquire('r2', 'b'));
    d.apply(set('a', [x('r1'), x('r2')], WAIT));
    d.apply(acquire('r1', 'c', 'exclusive', WAIT));
    const out = d.apply({ op: 'cancelWait', resource: 'r2', owner: 'a', waitId: 2 });
    expect(out.result).toEqual({ status: 'cancelled' });
    expect(out.events.filter((e) => e.type === 'waitEnded')).toHaveLength(1);
    expect(granted(out.events)).toEqual([expect.objectContaining({ resource: 'r1', owner: 'c', waitId: 3 })]);
    expect(d.table.view('r2').waiters).toEqual([]);
    // The other member's copy of the wait is gone too: cancelling it again is stale.
    expect(d.apply({ op: 'cancelWait', resource: 'r1', owner: 'a', waitId: 2 }).result).toEqual({ status: 'stale' });
  });

  it('keeps a sole shared holder from upgrading in place past a shared set waiting at the head', () => {
    const d = new Driver();
    d.apply(acquire('r1', 'c'));
    d.apply(set('b', [{ resource: 'r0', mode: 'shared' }, x('r1')], WAIT)); // stuck on r1
    d.apply(acquire('r0', 'a', 'shared'));
    d.apply(acquire('r1', 'a', 'exclusive', WAIT)); // a waits behind b on r1
    // In place, a would block b on r0 while waiting for b on r1: a deadlock nobody checked.
    expect(d.apply(acquire('r0', 'a', 'exclusive')).result).toMatchObject({ status: 'locked' });
    expect(d.table.view('r0').holders).toMatchObject([{ owner: 'a', mode: 'shared' }]);
  });

  it('refuses a wait that would close a cycle, naming it', () => {
    const d = new Driver();
    d.apply(acquire('r1', 'a'));
    d.apply(acquire('r2', 'b'));
    expect(d.apply(set('a', [x('r3'), x('r2')], WAIT)).result).toMatchObject({ status: 'queued' });
    const out = d.apply(set('b', [x('r1')], WAIT));
    expect(out.result).toEqual({
      status: 'deadlock',
      resource: 'r1',
      cycle: [
        { owner: 'b', resource: 'r1' },
        { owner: 'a', resource: 'r2' },
      ],
    });
  });

  it('is not topped up: an owner holding or waiting for a member is refused, and nothing changes', () => {
    const d = new Driver();
    d.apply(acquire('r1', 'a'));
    expect(d.apply(set('a', [x('r2'), x('r1')])).result).toEqual({ status: 'alreadyInvolved', resource: 'r1' });
    d.apply(sem('s', 'z', 3));
    expect(d.apply(set('b', [x('r2'), x('s')])).result).toEqual({
      status: 'permitsMismatch',
      resource: 's',
      permits: 3,
    });
    expect(d.table.view('r2').holders).toEqual([]);
  });

  it('releases what is held, reports the rest, and promotes the waiters of each', () => {
    const d = new Driver();
    d.apply(set('a', [x('r1'), x('r2')]));
    d.apply(acquire('r2', 'b', 'exclusive', WAIT));
    const out = d.apply({ op: 'releaseSet', owner: 'a', resources: ['r1', 'r2', 'r9'] });
    expect(out.result).toEqual({ status: 'released', released: ['r1', 'r2'], notHeld: ['r9'] });
    expect(granted(out.events)).toEqual([expect.objectContaining({ resource: 'r2', owner: 'b', waitId: 2 })]);
  });

  it('renews all leases in one entry, or none when one is not held', () => {
    const d = new Driver();
    d.apply(set('a', [x('r1'), x('r2')]));
    expect(d.apply({ op: 'renewSet', owner: 'a', resources: ['r1', 'r3'], ttlMs: 5000 }).result).toEqual({
      status: 'not_held',
      notHeld: ['r3'],
    });
    expect(d.table.view('r1').holders[0]).toMatchObject({ ttlMs: TTL, leaseIndex: 1 });
    const out = d.apply({ op: 'renewSet', owner: 'a', resources: ['r1', 'r2'], ttlMs: 5000 });
    expect(out.result).toEqual({
      status: 'renewed',
      leaseIndex: 3,
      locks: [
        { resource: 'r1', fencingToken: 1, ttlMs: 5000 },
        { resource: 'r2', fencingToken: 1, ttlMs: 5000 },
      ],
    });
    expect(out.events.map((e) => e.type)).toEqual(['leaseRenewed', 'leaseRenewed']);
  });

  it('a retried set request gets its first answer and changes nothing', () => {
    const d = new Driver();
    const first = d.apply(set('a', [x('r1'), x('r2')], 0, { requestId: 'q' }));
    d.apply(release('r1', 'a'));
    const retry = d.apply(set('a', [x('r1'), x('r2')], 0, { requestId: 'q' }));
    expect(retry).toEqual({ result: first.result, events: [] });
    expect(d.table.view('r1').holders).toEqual([]);
  });

  it('survives a snapshot: permits and set waits come back and behave the same', () => {
    const d = new Driver();
    d.apply(sem('s', 'x', 2));
    d.apply(acquire('r', 'h'));
    d.apply(set('a', [{ ...x('s'), permits: 2 }, x('r')], WAIT));
    const copy = new Driver(LockTable.restore(d.table.snapshot()));
    copy.index = d.index;
    expect(copy.table.view('s')).toEqual(d.table.view('s'));
    expect(copy.apply(release('r', 'h'))).toEqual(d.apply(release('r', 'h')));
    expect(copy.table.snapshot()).toEqual(d.table.snapshot());
  });

  it('refuses a damaged set in a snapshot', () => {
    const d = new Driver();
    d.apply(acquire('r', 'h'));
    d.apply(set('a', [x('s'), x('r')], WAIT));
    const broken = JSON.parse(d.table.snapshot()) as { resources: [string, { waiters: unknown[] }][] };
    broken.resources.find(([name]) => name === 's')![1].waiters = [
      { owner: 'h', mode: 'exclusive', waitId: 1, waitMs: 1, ttlMs: 1 },
    ];
    expect(() => LockTable.restore(JSON.stringify(broken))).toThrow(/set wait 2/);
  });

  it('validates set commands whole', () => {
    const base = { op: 'acquireSet', owner: 'a', ttlMs: TTL, waitMs: 0 };
    expect(() => validateLockCommand({ ...base, locks: [] })).toThrow(/1\.\.64/);
    expect(() => validateLockCommand({ ...base, locks: [x('r'), x('r')] })).toThrow(/named twice/);
    expect(() => validateLockCommand({ ...base, locks: Array.from({ length: 65 }, (_, i) => x(`r${i}`)) })).toThrow(
      /1\.\.64/,
    );
    expect(() => validateLockCommand({ ...base, locks: [{ ...x('r'), extra: 1 }] })).toThrow(/unexpected member/);
    expect(() => validateLockCommand({ op: 'releaseSet', owner: 'a', resources: ['r', ''] })).toThrow(/resources/);
    expect(() => validateLockCommand({ op: 'renewSet', owner: 'a', resources: 'r' })).toThrow(/resources/);
  });
});
