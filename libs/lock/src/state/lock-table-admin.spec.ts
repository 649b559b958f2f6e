// The operator's view of the table: listing the live resources (GET /lock) and what a
// hand release (POST /lock/release) does to a set member or a semaphore permit.
import type { LockCommand, SetMember } from './lock-commands.js';
import { acquire, Driver, release, TTL, WAIT } from './lock-table.test-kit.js';

const x = (resource: string): SetMember => ({ resource, mode: 'exclusive' });
const set = (owner: string, locks: SetMember[], waitMs = 0): LockCommand => ({
  op: 'acquireSet',
  owner,
  locks,
  ttlMs: TTL,
  waitMs,
});

describe('LockTable.list', () => {
  it('lists only live resources, sorted by name, with holders, waiters and permits', () => {
    const d = new Driver();
    d.apply(acquire('b', 'o1'));
    d.apply(acquire('a', 'o2', 'shared'));
    d.apply(acquire('b', 'o3', 'exclusive', WAIT));
    d.apply(acquire('s', 'o4', 'exclusive', 0, { permits: 3 }));
    d.apply(acquire('gone', 'o5'));
    d.apply(release('gone', 'o5'));
    const { resources, truncated } = d.table.list('', 100);
    expect(truncated).toBe(false);
    expect(resources.map((r) => r.resource)).toEqual(['a', 'b', 's']);
    expect(resources[1]).toEqual({ resource: 'b', ...d.table.view('b') });
    expect(resources[1].waiters.map((w) => w.owner)).toEqual(['o3']);
    expect(resources[2].permits).toBe(3);
  });

  it('sorts by UTF-16 code units, not by locale', () => {
    const d = new Driver();
    for (const r of ['b', 'B', 'a', 'é', '_']) d.apply(acquire(r, 'o'));
    expect(d.table.list('', 10).resources.map((r) => r.resource)).toEqual(['B', '_', 'a', 'b', 'é']);
  });

  it('filters by prefix and cuts at limit, saying so', () => {
    const d = new Driver();
    for (const r of ['job/3', 'job/1', 'jobs', 'other', 'job/2']) d.apply(acquire(r, 'o'));
    expect(d.table.list('job/', 10)).toMatchObject({
      resources: [{ resource: 'job/1' }, { resource: 'job/2' }, { resource: 'job/3' }],
      truncated: false,
    });
    const page = d.table.list('job/', 2);
    expect(page.resources.map((r) => r.resource)).toEqual(['job/1', 'job/2']);
    expect(page.truncated).toBe(true);
    expect(d.table.list('job/', 3).truncated).toBe(false);
    expect(d.table.list('nothing', 10)).toEqual({ resources: [], truncated: false });
  });

  it('answers copies: changing a listing does not change the table', () => {
    const d = new Driver();
    d.apply(acquire('r', 'o'));
    d.table.list('', 10).resources[0].holders.pop();
    expect(d.table.view('r').holders).toHaveLength(1);
  });
});

describe('LockTable.remembers', () => {
  it('knows a command whose requestId it has applied, and nothing without one', () => {
    const d = new Driver();
    const cmd = acquire('r', 'o', 'exclusive', 0, { requestId: 'q1' });
    expect(d.table.remembers(cmd)).toBe(false);
    d.apply(cmd);
    expect(d.table.remembers(cmd)).toBe(true);
    expect(d.table.remembers(acquire('r', 'o'))).toBe(false);
  });
});

describe('an operator releasing by hand (POST /lock/release)', () => {
  it("releases one member of a set and leaves the others held with the set's token", () => {
    const d = new Driver();
    d.apply(set('s', [x('a'), x('b'), x('c')]));
    const token = d.table.view('a').holders[0].fencingToken;
    expect(d.apply(release('b', 's')).result).toEqual({ status: 'released' });
    expect(d.table.view('b').holders).toEqual([]);
    expect(d.table.view('a').holders).toMatchObject([{ owner: 's', fencingToken: token }]);
    expect(d.table.view('c').holders).toMatchObject([{ owner: 's', fencingToken: token }]);
    // The set's later calls see the gap: renew-set renews nothing and names it,
    // release-set frees the rest and names it.
    expect(d.apply({ op: 'renewSet', owner: 's', resources: ['a', 'b', 'c'] }).result).toEqual({
      status: 'not_held',
      notHeld: ['b'],
    });
    expect(d.apply({ op: 'releaseSet', owner: 's', resources: ['a', 'b', 'c'] }).result).toEqual({
      status: 'released',
      released: ['a', 'c'],
      notHeld: ['b'],
    });
  });

  it('grants the released member to its next waiter', () => {
    const d = new Driver();
    d.apply(set('s', [x('a'), x('b')]));
    d.apply(acquire('b', 'w', 'exclusive', WAIT));
    const out = d.apply(release('b', 's'));
    expect(out.events).toContainEqual(expect.objectContaining({ type: 'granted', resource: 'b', owner: 'w' }));
    expect(d.table.view('a').holders).toMatchObject([{ owner: 's' }]);
  });

  it('releases one permit of a semaphore and hands it to the next waiter', () => {
    const d = new Driver();
    const sem = (owner: string, waitMs = 0) => acquire('s', owner, 'exclusive', waitMs, { permits: 2 });
    d.apply(sem('p1'));
    d.apply(sem('p2'));
    d.apply(sem('p3', WAIT));
    expect(d.apply(release('s', 'p1')).result).toEqual({ status: 'released' });
    expect(d.table.view('s').holders.map((h) => h.owner)).toEqual(['p2', 'p3']);
    expect(d.table.view('s').permits).toBe(2);
  });
});
