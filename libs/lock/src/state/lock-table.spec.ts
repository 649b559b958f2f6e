// Example-based tests, one rule each, of LockTable's semantics.
import type { LockEvent } from './lock-commands.js';
import { MAX_REMEMBERED_REQUESTS, MAX_WAITERS_PER_RESOURCE } from './lock-limits.js';
import { InvalidLockSnapshotError } from './lock-snapshot.js';
import { LockTable } from './lock-table.js';
import { InvalidLockCommandError } from './parse-lock-command.js';
import { acquire, Driver, release, TTL, WAIT } from './lock-table.test-kit.js';

const granted = (events: readonly LockEvent[]) => events.filter((e) => e.type === 'granted');

describe('LockTable', () => {
  describe('acquire', () => {
    it('grants a free resource with the entry index as fencing token', () => {
      const d = new Driver();
      d.index = 41;
      const out = d.apply(acquire('r', 'a'));
      expect(out.result).toEqual({
        status: 'granted',
        resource: 'r',
        owner: 'a',
        mode: 'exclusive',
        fencingToken: 42,
        ttlMs: TTL,
        leaseIndex: 42,
      });
      expect(out.events).toEqual([
        {
          type: 'granted',
          resource: 'r',
          owner: 'a',
          mode: 'exclusive',
          fencingToken: 42,
          ttlMs: TTL,
          leaseIndex: 42,
          waitId: null,
        },
      ]);
    });

    it('shares among shared holders and refuses exclusive beside them', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      expect(d.apply(acquire('r', 'b', 'shared')).result).toMatchObject({ status: 'granted', fencingToken: 2 });
      const out = d.apply(acquire('r', 'c', 'exclusive'));
      expect(out.result).toMatchObject({ status: 'locked', holders: [{ owner: 'a' }, { owner: 'b' }] });
      expect(out.events).toEqual([]);
    });

    it('refuses shared beside an exclusive holder', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      expect(d.apply(acquire('r', 'b', 'shared')).result).toMatchObject({
        status: 'locked',
        holders: [{ owner: 'a', mode: 'exclusive' }],
      });
    });

    it('re-acquire in the same mode refreshes the lease and keeps the token', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      const out = d.apply(acquire('r', 'a', 'exclusive', 0, { ttlMs: 5000 }));
      expect(out.result).toEqual({
        status: 'granted',
        resource: 'r',
        owner: 'a',
        mode: 'exclusive',
        fencingToken: 1,
        ttlMs: 5000,
        leaseIndex: 2,
      });
      expect(out.events).toEqual([{ type: 'leaseRenewed', resource: 'r', owner: 'a', ttlMs: 5000, leaseIndex: 2 }]);
      expect(d.table.view('r').holders).toEqual([
        { owner: 'a', mode: 'exclusive', fencingToken: 1, ttlMs: 5000, leaseIndex: 2 },
      ]);
    });

    it('an exclusive holder asking for shared gets its exclusive grant back, refreshed', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      expect(d.apply(acquire('r', 'a', 'shared')).result).toMatchObject({
        status: 'granted',
        mode: 'exclusive',
        fencingToken: 1,
        leaseIndex: 2,
      });
    });

    it('upgrades a sole shared holder in place with a new token', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      const out = d.apply(acquire('r', 'a', 'exclusive'));
      expect(out.result).toMatchObject({ status: 'granted', mode: 'exclusive', fencingToken: 2 });
      expect(granted(out.events)).toHaveLength(1);
      expect(d.table.view('r').holders).toEqual([
        { owner: 'a', mode: 'exclusive', fencingToken: 2, ttlMs: TTL, leaseIndex: 2 },
      ]);
    });

    it('upgrades a sole shared holder even with an exclusive waiter queued (it waits for that holder anyway)', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      d.apply(acquire('r', 'b', 'exclusive', WAIT));
      expect(d.apply(acquire('r', 'a', 'exclusive')).result).toMatchObject({ status: 'granted', fencingToken: 3 });
      expect(d.table.view('r').waiters).toMatchObject([{ owner: 'b' }]);
    });

    it('a shared holder asking for exclusive beside other sharers conflicts, then is upgraded when they leave', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      d.apply(acquire('r', 'b', 'shared'));
      expect(d.apply(acquire('r', 'a', 'exclusive')).result).toMatchObject({
        status: 'locked',
        holders: [{ owner: 'a' }, { owner: 'b' }],
      });
      expect(d.apply(acquire('r', 'a', 'exclusive', WAIT)).result).toEqual({
        status: 'queued',
        resource: 'r',
        waitId: 4,
      });
      const out = d.apply(release('r', 'b'));
      expect(granted(out.events)).toEqual([
        expect.objectContaining({ owner: 'a', mode: 'exclusive', fencingToken: 5, waitId: 4 }),
      ]);
      expect(d.table.view('r')).toEqual({
        permits: 1,
        holders: [{ owner: 'a', mode: 'exclusive', fencingToken: 5, ttlMs: TTL, leaseIndex: 5 }],
        waiters: [],
      });
    });

    it('two sharers both upgrading: the second is refused as a deadlock', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      d.apply(acquire('r', 'b', 'shared'));
      d.apply(acquire('r', 'a', 'exclusive', WAIT));
      expect(d.apply(acquire('r', 'b', 'exclusive', WAIT)).result).toEqual({
        status: 'deadlock',
        resource: 'r',
        cycle: [
          { owner: 'b', resource: 'r' },
          { owner: 'a', resource: 'r' },
        ],
      });
    });

    it('queues a conflicting request with waitMs > 0 under waitId = its index', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      const out = d.apply(acquire('r', 'b', 'shared', WAIT));
      expect(out).toEqual({
        result: { status: 'queued', resource: 'r', waitId: 2 },
        events: [{ type: 'waitStarted', resource: 'r', owner: 'b', waitId: 2, waitMs: WAIT }],
      });
      expect(d.table.view('r').waiters).toEqual([{ owner: 'b', mode: 'shared', waitId: 2, waitMs: WAIT, ttlMs: TTL }]);
    });

    it('does not let a shared request jump an exclusive waiter (fairness)', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      d.apply(acquire('r', 'x', 'exclusive', WAIT));
      expect(d.apply(acquire('r', 'b', 'shared')).result).toMatchObject({ status: 'locked' });
      expect(d.apply(acquire('r', 'b', 'shared', WAIT)).result).toMatchObject({ status: 'queued', waitId: 4 });
      // a leaves: x (head) goes first, b stays behind it.
      expect(granted(d.apply(release('r', 'a')).events).map((e) => e.owner)).toEqual(['x']);
      expect(d.table.view('r').waiters.map((w) => w.owner)).toEqual(['b']);
    });

    it('a second acquire by an owner already waiting joins its wait (or is refused when try-once)', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'exclusive', WAIT));
      expect(d.apply(acquire('r', 'b', 'shared', WAIT)).result).toEqual({ status: 'queued', resource: 'r', waitId: 2 });
      expect(d.apply(acquire('r', 'b', 'exclusive', 0)).result).toMatchObject({ status: 'locked' });
      expect(d.table.view('r').waiters).toHaveLength(1);
    });

    it('refuses a blocking acquire as LOCKED once the resource has MAX_WAITERS_PER_RESOURCE waiters', () => {
      const d = new Driver();
      d.apply(acquire('r', 'holder'));
      for (let i = 0; i < MAX_WAITERS_PER_RESOURCE; i++)
        expect(d.apply(acquire('r', `w${i}`, 'exclusive', WAIT)).result.status).toBe('queued');
      const out = d.apply(acquire('r', 'one-too-many', 'exclusive', WAIT));
      expect(out.result).toMatchObject({ status: 'locked', holders: [{ owner: 'holder' }] });
      expect(out.events).toEqual([]);
      expect(d.table.view('r').waiters).toHaveLength(MAX_WAITERS_PER_RESOURCE);
      // Another resource is not affected.
      expect(d.apply(acquire('s', 'one-too-many', 'exclusive', WAIT)).result.status).toBe('granted');
    });

    it('a second acquire for a stronger mode than the owner waits for is refused', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'shared', WAIT));
      expect(d.apply(acquire('r', 'b', 'exclusive', WAIT)).result).toMatchObject({ status: 'locked' });
    });
  });

  describe('release and promotion', () => {
    it('promotes the head, and a batch of consecutive shared waiters together, stopping at the first exclusive', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 's1', 'shared', WAIT));
      d.apply(acquire('r', 's2', 'shared', WAIT));
      d.apply(acquire('r', 'x', 'exclusive', WAIT));
      d.apply(acquire('r', 's3', 'shared', WAIT));
      const out = d.apply(release('r', 'a'));
      expect(out.result).toEqual({ status: 'released' });
      expect(out.events[0]).toEqual({ type: 'leaseEnded', resource: 'r', owner: 'a', reason: 'released' });
      expect(granted(out.events)).toEqual([
        {
          type: 'granted',
          resource: 'r',
          owner: 's1',
          mode: 'shared',
          fencingToken: 6,
          ttlMs: TTL,
          leaseIndex: 6,
          waitId: 2,
        },
        {
          type: 'granted',
          resource: 'r',
          owner: 's2',
          mode: 'shared',
          fencingToken: 6,
          ttlMs: TTL,
          leaseIndex: 6,
          waitId: 3,
        },
      ]);
      expect(d.table.view('r').waiters.map((w) => w.owner)).toEqual(['x', 's3']);
      d.apply(release('r', 's1'));
      expect(granted(d.apply(release('r', 's2')).events)).toEqual([
        expect.objectContaining({ owner: 'x', fencingToken: 8, waitId: 4 }),
      ]);
      expect(granted(d.apply(release('r', 'x')).events)).toEqual([
        expect.objectContaining({ owner: 's3', fencingToken: 9, waitId: 5 }),
      ]);
    });

    it('release by a non-holder is not_held and leaves waits alone', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'exclusive', WAIT));
      expect(d.apply(release('r', 'b'))).toEqual({ result: { status: 'not_held' }, events: [] });
      expect(d.apply(release('nothing', 'b'))).toEqual({ result: { status: 'not_held' }, events: [] });
      expect(d.table.view('r').waiters).toHaveLength(1);
    });

    it('deletes a resource with no holders and no waiters', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(release('r', 'a'));
      expect(d.table.stats().resources).toBe(0);
      expect(JSON.parse(d.table.snapshot()).resources).toEqual([]);
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'exclusive', 0));
      d.apply(release('r', 'a'));
      expect(d.table.stats().resources).toBe(0);
    });
  });

  describe('renew', () => {
    it('renews a holder: same token, new leaseIndex, ttl kept when absent', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      expect(d.apply({ op: 'renew', resource: 'r', owner: 'a', ttlMs: 7000 })).toEqual({
        result: { status: 'renewed', ttlMs: 7000, leaseIndex: 2, fencingToken: 1 },
        events: [{ type: 'leaseRenewed', resource: 'r', owner: 'a', ttlMs: 7000, leaseIndex: 2 }],
      });
      expect(d.apply({ op: 'renew', resource: 'r', owner: 'a' }).result).toEqual({
        status: 'renewed',
        ttlMs: 7000,
        leaseIndex: 3,
        fencingToken: 1,
      });
    });

    it('is not_held for a non-holder', () => {
      const d = new Driver();
      expect(d.apply({ op: 'renew', resource: 'r', owner: 'a' })).toEqual({
        result: { status: 'not_held' },
        events: [],
      });
    });
  });

  describe('expire', () => {
    it('is stale when the lease was renewed since the leader timed it', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply({ op: 'renew', resource: 'r', owner: 'a' });
      expect(d.apply({ op: 'expire', resource: 'r', owner: 'a', leaseIndex: 1 })).toEqual({
        result: { status: 'stale' },
        events: [],
      });
      expect(d.table.view('r').holders).toHaveLength(1);
    });

    it('ends the timed lease and promotes the next waiter', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'exclusive', WAIT));
      const out = d.apply({ op: 'expire', resource: 'r', owner: 'a', leaseIndex: 1 });
      expect(out.result).toEqual({ status: 'expired' });
      expect(out.events).toEqual([
        { type: 'leaseEnded', resource: 'r', owner: 'a', reason: 'expired' },
        {
          type: 'granted',
          resource: 'r',
          owner: 'b',
          mode: 'exclusive',
          fencingToken: 3,
          ttlMs: TTL,
          leaseIndex: 3,
          waitId: 2,
        },
      ]);
    });

    it('is stale for another owner or an unknown resource', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      expect(d.apply({ op: 'expire', resource: 'r', owner: 'b', leaseIndex: 1 }).result).toEqual({ status: 'stale' });
      expect(d.apply({ op: 'expire', resource: 'q', owner: 'a', leaseIndex: 1 }).result).toEqual({ status: 'stale' });
    });
  });

  describe('cancelWait', () => {
    it('removes the waiter, reports the holders, and unblocks the shared waiters behind it', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared'));
      d.apply(acquire('r', 'x', 'exclusive', WAIT));
      d.apply(acquire('r', 'b', 'shared', WAIT));
      d.apply(acquire('r', 'c', 'shared', WAIT));
      const out = d.apply({ op: 'cancelWait', resource: 'r', owner: 'x', waitId: 2 });
      expect(out.result).toEqual({ status: 'cancelled' });
      expect(out.events).toEqual([
        {
          type: 'waitEnded',
          resource: 'r',
          owner: 'x',
          waitId: 2,
          reason: 'timeout',
          holders: [{ owner: 'a', mode: 'shared', fencingToken: 1, ttlMs: TTL, leaseIndex: 1 }],
        },
        {
          type: 'granted',
          resource: 'r',
          owner: 'b',
          mode: 'shared',
          fencingToken: 5,
          ttlMs: TTL,
          leaseIndex: 5,
          waitId: 3,
        },
        {
          type: 'granted',
          resource: 'r',
          owner: 'c',
          mode: 'shared',
          fencingToken: 5,
          ttlMs: TTL,
          leaseIndex: 5,
          waitId: 4,
        },
      ]);
    });

    it('is stale once the waiter was granted, or for a wrong owner', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'exclusive', WAIT));
      expect(d.apply({ op: 'cancelWait', resource: 'r', owner: 'a', waitId: 2 }).result).toEqual({ status: 'stale' });
      d.apply(release('r', 'a'));
      expect(d.apply({ op: 'cancelWait', resource: 'r', owner: 'b', waitId: 2 })).toEqual({
        result: { status: 'stale' },
        events: [],
      });
    });
  });

  describe('requestId', () => {
    it('a retried request returns the first result, is not applied again and emits nothing', () => {
      const d = new Driver();
      const first = d.apply(acquire('r', 'a', 'exclusive', 0, { requestId: 'q1' }));
      d.apply(release('r', 'a'));
      d.apply(acquire('r', 'b'));
      const retry = d.apply(acquire('r', 'a', 'exclusive', 0, { requestId: 'q1' }));
      expect(retry).toEqual({ result: first.result, events: [] });
      expect(d.table.view('r').holders.map((h) => h.owner)).toEqual(['b']);
    });

    it('keys by owner: the same requestId from another owner is a new request', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared', 0, { requestId: 'q' }));
      expect(d.apply(acquire('r', 'b', 'shared', 0, { requestId: 'q' })).result).toMatchObject({
        status: 'granted',
        owner: 'b',
      });
    });

    it('dedups release: the retry says released, not not_held, and releases nothing else', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      expect(d.apply(release('r', 'a', 'q')).result).toEqual({ status: 'released' });
      d.apply(acquire('r', 'a'));
      expect(d.apply(release('r', 'a', 'q'))).toEqual({ result: { status: 'released' }, events: [] });
      expect(d.table.view('r').holders).toHaveLength(1);
    });

    it(`forgets the oldest id beyond ${MAX_REMEMBERED_REQUESTS} and keeps the bound across snapshots`, () => {
      const d = new Driver();
      for (let k = 0; k <= MAX_REMEMBERED_REQUESTS; k++) d.apply(release('r', 'a', `q${k}`));
      expect(d.table.stats().rememberedRequests).toBe(MAX_REMEMBERED_REQUESTS);
      d.apply(acquire('r', 'a'));
      // q1 is still remembered: its first answer comes back and nothing is released.
      expect(d.apply(release('r', 'a', 'q1'))).toEqual({ result: { status: 'not_held' }, events: [] });
      // q0 was forgotten (also after a restore), so it applies afresh.
      d.table = LockTable.restore(d.table.snapshot());
      expect(d.apply(release('r', 'a', 'q0')).events).toEqual([
        { type: 'leaseEnded', resource: 'r', owner: 'a', reason: 'released' },
      ]);
      expect(d.table.stats().rememberedRequests).toBe(MAX_REMEMBERED_REQUESTS);
    });
  });

  describe('snapshot and restore', () => {
    it('a restored table behaves exactly like the original from then on', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a', 'shared', 0, { requestId: 'q' }));
      d.apply(acquire('r', 'x', 'exclusive', WAIT));
      d.apply(acquire('r', 'b', 'shared', WAIT));
      d.apply(acquire('s', 'b', 'exclusive'));
      const copy = new Driver(LockTable.restore(d.table.snapshot()));
      copy.index = d.index;
      const rest = [
        acquire('r', 'a', 'shared', 0, { requestId: 'q' }),
        acquire('s', 'a', 'exclusive', WAIT),
        { op: 'cancelWait', resource: 'r', owner: 'x', waitId: 2 } as const,
        release('s', 'b'),
        acquire('s', 'x', 'exclusive', 0),
      ];
      for (const c of rest) expect(copy.apply(c)).toEqual(d.apply(c));
      expect(copy.table.snapshot()).toBe(d.table.snapshot());
      expect(copy.table.stats()).toEqual(d.table.stats());
    });

    it('rejects damaged snapshots', () => {
      const good = JSON.parse(new LockTable().snapshot());
      expect(() => LockTable.restore('{')).toThrow(InvalidLockSnapshotError);
      expect(() => LockTable.restore(JSON.stringify({ ...good, version: 99 }))).toThrow(InvalidLockSnapshotError);
      const twoExclusive = {
        ...good,
        lastIndex: 2,
        highestToken: 2,
        resources: [
          [
            'r',
            {
              holders: [1, 2].map((i) => ({
                owner: `o${i}`,
                mode: 'exclusive',
                fencingToken: i,
                ttlMs: 1,
                leaseIndex: i,
              })),
              waiters: [],
            },
          ],
        ],
      };
      expect(() => LockTable.restore(JSON.stringify(twoExclusive))).toThrow(/conflicting holders/);
      expect(() =>
        LockTable.restore(JSON.stringify({ ...good, resources: [['r', { holders: [], waiters: [] }]] })),
      ).toThrow(/empty/);
    });
  });

  describe('bad input', () => {
    it('refuses a non-increasing index or an invalid command without changing anything', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      const before = d.table.snapshot();
      expect(() => d.table.apply(acquire('q', 'a'), 1)).toThrow(RangeError);
      expect(() => d.table.apply({ ...acquire('q', 'a'), ttlMs: -1 }, 9)).toThrow(InvalidLockCommandError);
      expect(d.table.snapshot()).toBe(before);
    });
  });

  describe('views for the leader and metrics', () => {
    it('lists every lease and wait, and counts them', () => {
      const d = new Driver();
      d.apply(acquire('r', 'a'));
      d.apply(acquire('r', 'b', 'shared', WAIT));
      d.apply(acquire('s', 'c', 'shared'));
      d.apply(acquire('s', 'd', 'shared'));
      expect(d.table.holdersAndWaiters()).toEqual({
        holders: [
          { resource: 'r', owner: 'a', mode: 'exclusive', fencingToken: 1, ttlMs: TTL, leaseIndex: 1 },
          { resource: 's', owner: 'c', mode: 'shared', fencingToken: 3, ttlMs: TTL, leaseIndex: 3 },
          { resource: 's', owner: 'd', mode: 'shared', fencingToken: 4, ttlMs: TTL, leaseIndex: 4 },
        ],
        waiters: [{ resource: 'r', owner: 'b', mode: 'shared', waitId: 2, waitMs: WAIT, ttlMs: TTL }],
      });
      expect(d.table.stats()).toEqual({
        resources: 2,
        exclusive: 1,
        shared: 2,
        permits: 0,
        waiters: 1,
        highestToken: 4,
        rememberedRequests: 0,
        lastIndex: 4,
      });
      expect(d.table.view('none')).toEqual({ permits: 1, holders: [], waiters: [] });
    });
  });
});
