import { LeadershipTransferError, NotLeaderError, RaftConfigError } from './errors.js';
import type { Message, VoteResponse } from './messages.js';
import { RaftCore } from './raft-core.js';
import type { Entry } from './types.js';
import { makeCore, PEERS, take, Wire } from './test-wire.js';

const ent = (index: number, term: number, data = `x${index}`): Entry => ({ index, term, type: 'normal', data });
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ent(from + i, term));

function vote(
  from: string,
  to: string,
  term: number,
  lastLogIndex: number,
  lastLogTerm: number,
  type: 'vote' | 'preVote' = 'vote',
  transfer = false,
): Message {
  return { type, from, to, term, lastLogIndex, lastLogTerm, transfer };
}

type Of<T extends Message['type']> = Message & { type: T };
function only<T extends Message['type']>(msgs: readonly Message[], type: T): Array<Of<T>> {
  return msgs.filter((m): m is Of<T> => m.type === type);
}

/** A three-node wire with `a` elected and its no-op committed everywhere. */
function stableCluster(opts: Parameters<typeof makeCore>[1] = {}): Wire {
  const w = new Wire(PEERS.map((id) => makeCore(id, opts)));
  w.elect('a');
  expect(w.get('a').status().role).toBe('leader');
  return w;
}

describe('configuration', () => {
  it.each([
    ['self missing from peers', { id: 'z' }],
    ['duplicate peers', { peers: ['a', 'a', 'b'] }],
    ['heartbeat not below election', { heartbeatTicks: 10, electionTicks: 10 }],
    ['zero inflight', { maxInflight: 0 }],
    ['commit beyond log', { hardState: { term: 1, vote: null, commit: 3 }, entries: [ent(1, 1)] }],
    ['gap in entries', { hardState: { term: 1, vote: null, commit: 0 }, entries: [ent(1, 1), ent(3, 1)] }],
    ['entry term above hard state term', { hardState: { term: 1, vote: null, commit: 0 }, entries: [ent(1, 2)] }],
    ['vote for a stranger', { hardState: { term: 1, vote: 'q', commit: 0 } }],
    ['applied beyond commit', { applied: 1 }],
  ])('rejects %s', (_name, bad) => {
    expect(() => makeCore('a', bad as Partial<ConstructorParameters<typeof RaftCore>[0]>)).toThrow(RaftConfigError);
  });

  it('rejects a random source outside [0, 1)', () => {
    expect(() => makeCore('a', { random: () => 1 })).toThrow(/random\(\) returned 1/);
  });

  it('recovers term, vote, log and commit', () => {
    const c = makeCore('a', { hardState: { term: 3, vote: 'b', commit: 2 }, entries: range(1, 3, 2) });
    expect(c.status()).toMatchObject({ term: 3, vote: 'b', commit: 2, applied: 0, lastIndex: 3, role: 'follower' });
    // Recovered state is not reported again; the committed entries are, to be applied.
    const rd = c.ready();
    expect(rd.hardState).toBeNull();
    expect(rd.entries).toEqual([]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2]);
  });
});

describe('elections', () => {
  it('campaigns after the randomized election timeout, in [electionTicks, 2*electionTicks)', () => {
    const timeouts = [0, 0.5, 0.999].map((r) => {
      const c = makeCore('a', { random: () => r, preVote: false });
      let ticks = 0;
      while (c.status().role === 'follower') {
        c.tick();
        ticks++;
      }
      return ticks;
    });
    expect(timeouts).toEqual([10, 15, 19]);
  });

  it('persists the vote in the same Ready that carries the vote request', () => {
    const c = makeCore('a', { preVote: false });
    for (let i = 0; i < 10; i++) c.tick();
    const rd = take(c);
    expect(rd.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(
      only(rd.messages, 'vote')
        .map((m) => m.to)
        .sort(),
    ).toEqual(['b', 'c']);
    expect(c.hasReady()).toBe(false);
  });

  it('grants one vote per term, to an up-to-date candidate only', () => {
    const c = makeCore('a', { hardState: { term: 1, vote: null, commit: 0 }, entries: [ent(1, 1), ent(2, 1)] });
    c.step(vote('b', 'a', 2, 2, 1));
    const rd = take(c);
    expect(only(rd.messages, 'voteResp')[0]).toMatchObject({ to: 'b', term: 2, reject: false });
    expect(rd.hardState).toEqual({ term: 2, vote: 'b', commit: 0 });
    // Same term, another candidate: already voted.
    c.step(vote('c', 'a', 2, 5, 1));
    expect(only(take(c).messages, 'voteResp')[0]).toMatchObject({ to: 'c', reject: true });
    // Repeated request from the same candidate is granted again (lost response).
    c.step(vote('b', 'a', 2, 2, 1));
    expect(only(take(c).messages, 'voteResp')[0]).toMatchObject({ to: 'b', reject: false });
  });

  it.each([
    ['lower last term, longer log', 9, 0, true],
    ['same last term, shorter log', 1, 1, true],
    ['same last term, same length', 2, 1, false],
    ['higher last term, shorter log', 1, 2, false],
  ])('up-to-date check: %s', (_n, lastIndex, lastTerm, rejected) => {
    const c = makeCore('a', { hardState: { term: 1, vote: null, commit: 0 }, entries: [ent(1, 1), ent(2, 1)] });
    c.step(vote('b', 'a', 3, lastIndex, lastTerm));
    expect(only(take(c).messages, 'voteResp')[0].reject).toBe(rejected);
    expect(c.status().term).toBe(3); // a higher term is adopted either way
  });

  it('elects a leader that appends a no-op and commits it', () => {
    const w = stableCluster();
    const a = w.get('a');
    expect(a.status()).toMatchObject({ term: 1, leader: 'a', commit: 1, lastIndex: 1 });
    expect(a.logEntries(1, 2)).toEqual([{ index: 1, term: 1, type: 'noop', data: '' }]);
    for (const id of ['b', 'c']) expect(w.get(id).status()).toMatchObject({ leader: 'a', commit: 1, term: 1 });
  });

  it('a candidate that loses the majority steps back to follower', () => {
    const c = makeCore('a', { preVote: false });
    for (let i = 0; i < 10; i++) c.tick();
    take(c);
    c.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, reject: true });
    expect(c.status().role).toBe('candidate');
    c.step({ type: 'voteResp', from: 'c', to: 'a', term: 1, reject: true });
    expect(c.status().role).toBe('follower');
  });
});

describe('pre-vote', () => {
  it('a pre-vote never changes the receiver term or vote', () => {
    const c = makeCore('a', { hardState: { term: 4, vote: 'c', commit: 0 } });
    c.step(vote('b', 'a', 5, 0, 0, 'preVote'));
    const rd = take(c);
    const resp = only(rd.messages, 'preVoteResp')[0];
    expect(resp).toMatchObject({ to: 'b', term: 5, reject: false });
    expect(rd.hardState).toBeNull();
    expect(c.status()).toMatchObject({ term: 4, vote: 'c' });
  });

  it('an isolated node keeps pre-campaigning without raising its term', () => {
    const c = makeCore('a', { hardState: { term: 2, vote: null, commit: 0 } });
    for (let i = 0; i < 200; i++) {
      c.tick();
      take(c);
    }
    expect(c.status()).toMatchObject({ term: 2, role: 'pre-candidate' });
  });

  it('the pre-candidate raises its term only after a pre-vote majority', () => {
    const c = makeCore('a', { hardState: { term: 2, vote: null, commit: 0 } });
    for (let i = 0; i < 10; i++) c.tick();
    const pre = only(take(c).messages, 'preVote');
    expect(pre.map((m) => m.term)).toEqual([3, 3]);
    expect(c.status().term).toBe(2);
    const grant: VoteResponse = { type: 'preVoteResp', from: 'b', to: 'a', term: 3, reject: false };
    c.step(grant);
    expect(c.status()).toMatchObject({ term: 3, role: 'candidate', vote: 'a' });
    expect(only(take(c).messages, 'vote')).toHaveLength(2);
  });

  it('a rejected pre-vote at a lower term is answered so the stale node catches up', () => {
    const c = makeCore('a', { hardState: { term: 7, vote: null, commit: 0 } });
    c.step(vote('b', 'a', 3, 0, 0, 'preVote'));
    expect(only(take(c).messages, 'preVoteResp')[0]).toMatchObject({ term: 7, reject: true });
  });
});

describe('check-quorum and leader lease', () => {
  it('a leader that hears from no quorum steps down within two election timeouts', () => {
    const w = stableCluster();
    w.isolate('a');
    const a = w.get('a');
    // Activity seen during the election still counts for the first window; the
    // second window without any answer ends the leadership (<= 2 election timeouts).
    for (let i = 0; i < 19; i++) {
      a.tick();
      w.flush();
    }
    expect(a.status().role).toBe('leader');
    a.tick();
    w.flush();
    expect(a.status()).toMatchObject({ role: 'follower', leader: null, term: 1 });
  });

  it('a leader hearing from a quorum stays', () => {
    const w = stableCluster();
    w.isolate('c');
    w.tickAll(50);
    expect(w.get('a').status()).toMatchObject({ role: 'leader', term: 1 });
  });

  it('followers in a lease ignore (pre)votes; a TimeoutNow-forced vote overrides the lease', () => {
    const w = stableCluster();
    const b = w.get('b');
    b.step(vote('c', 'b', 5, 10, 5, 'preVote'));
    b.step(vote('c', 'b', 5, 10, 5, 'vote'));
    expect(take(b).messages).toEqual([]);
    expect(b.status().term).toBe(1);
    b.step(vote('c', 'b', 5, 10, 5, 'vote', true));
    expect(only(take(b).messages, 'voteResp')[0]).toMatchObject({ reject: false, term: 5 });
  });

  it('without check-quorum there is no lease', () => {
    const w = stableCluster({ checkQuorum: false });
    const b = w.get('b');
    b.step(vote('c', 'b', 5, 10, 5, 'vote'));
    expect(only(take(b).messages, 'voteResp')[0]).toMatchObject({ reject: false });
  });

  it('a stale leader learns the higher term from its followers and steps down', () => {
    const w = stableCluster();
    const a = w.get('a');
    // b and c moved on to term 3 (e.g. an election a missed).
    const newer = new Wire([
      makeCore('b', {
        hardState: { term: 3, vote: 'b', commit: 1 },
        entries: [{ index: 1, term: 1, type: 'noop', data: '' }],
      }),
    ]);
    const b = newer.get('b');
    a.tick(); // heartbeat
    const hb = only(take(a).messages, 'heartbeat').find((m) => m.to === 'b');
    if (hb === undefined) throw new Error('no heartbeat');
    b.step(hb);
    const resp = take(b).messages[0];
    expect(resp).toMatchObject({ type: 'appResp', term: 3 });
    a.step(resp);
    expect(a.status()).toMatchObject({ role: 'follower', term: 3 });
  });
});

describe('log replication', () => {
  it('a commit costs one append and one ack per follower: the commit index travels with the next message', () => {
    const w = stableCluster();
    const before = w.sent.length;
    w.get('a').propose('set x');
    w.flush();
    const sent = w.sent.slice(before).map((m) => `${m.type} ${m.from}>${m.to}`);
    expect(sent.sort()).toEqual(['app a>b', 'app a>c', 'appResp b>a', 'appResp c>a']);
    expect(w.get('a').status().commit).toBe(2);
    w.get('a').propose('set y');
    w.flush();
    const next = only(w.sent.slice(before), 'app').filter((m) => m.entries.length > 0 && m.entries[0].data === 'set y');
    expect(next.map((m) => m.commit)).toEqual([2, 2]);
  });

  it('propose returns index and term; a follower rejects proposals naming the leader', () => {
    const w = stableCluster();
    expect(w.get('a').propose('set x')).toEqual({ index: 2, term: 1 });
    w.flush();
    expect(w.get('a').status().commit).toBe(2);
    w.get('a').tick(); // the followers learn the commit index from the next heartbeat
    w.flush();
    for (const id of PEERS) expect(w.get(id).status().commit).toBe(2);
    let err: unknown;
    try {
      w.get('b').propose('nope');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderId).toBe('a');
    expect(() => makeCore('a').propose('x')).toThrow(NotLeaderError);
  });

  it('Ready hands out entries to persist, then the same entries as committed', () => {
    const w = stableCluster();
    const a = w.get('a');
    a.propose('p');
    const rd = take(a);
    expect(rd.entries.map((e) => e.data)).toEqual(['p']);
    expect(rd.committedEntries).toEqual([]);
    expect(only(rd.messages, 'app')).toHaveLength(2);
    for (const m of rd.messages) w.get(m.to).step(m);
    w.flush();
    const applied = w.sent.length; // noop committed before; now 'p' is committed
    expect(applied).toBeGreaterThan(0);
    expect(a.status().commit).toBe(2);
  });

  it('batches at most maxEntriesPerMsg entries per append and pipelines up to maxInflight', () => {
    const w = stableCluster({ maxEntriesPerMsg: 2, maxInflight: 3 });
    const a = w.get('a');
    w.isolate('b');
    w.isolate('c');
    a.proposeBatch(range(1, 20, 0).map((e) => e.data));
    const apps = only(take(a).messages, 'app').filter((m) => m.to === 'b');
    expect(apps.map((m) => m.entries.length)).toEqual([2, 2, 2]);
    expect(apps.map((m) => m.prevIndex)).toEqual([1, 3, 5]);
  });

  it('commits only entries of the current term by counting replicas (Figure 8)', () => {
    // a was leader in term 2 and replicated index 2 to nobody; now a leads term 3.
    const a = makeCore('a', {
      hardState: { term: 2, vote: 'a', commit: 1 },
      entries: [ent(1, 1), ent(2, 2)],
      preVote: false,
    });
    for (let i = 0; i < 10; i++) a.tick();
    take(a);
    a.step({ type: 'voteResp', from: 'b', to: 'a', term: 3, reject: false });
    expect(a.status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 3 });
    take(a);
    // b acknowledges index 2 (the term-2 entry): a majority holds it, but it must not commit.
    a.step({
      type: 'appResp',
      from: 'b',
      to: 'a',
      term: 3,
      index: 2,
      reject: false,
      conflictIndex: 0,
      conflictTerm: 0,
    });
    expect(a.status().commit).toBe(1);
    // Once the term-3 no-op is on a majority, both commit.
    a.step({
      type: 'appResp',
      from: 'b',
      to: 'a',
      term: 3,
      index: 3,
      reject: false,
      conflictIndex: 0,
      conflictTerm: 0,
    });
    expect(a.status().commit).toBe(3);
  });

  it('a follower never lets a stale, shorter append truncate newer entries', () => {
    const b = makeCore('b');
    const app = (entries: Entry[], prevIndex: number, prevTerm: number): Message => ({
      type: 'app',
      from: 'a',
      to: 'b',
      term: 1,
      prevIndex,
      prevTerm,
      entries,
      commit: 0,
    });
    b.step(app(range(1, 3, 1), 0, 0));
    b.step(app(range(1, 1, 1), 0, 0)); // delayed duplicate of an older append
    expect(b.status().lastIndex).toBe(3);
    const resps = only(take(b).messages, 'appResp');
    expect(resps.map((r) => r.index)).toEqual([3, 1]);
  });

  it('the reject hint skips a whole divergent term per round trip', () => {
    // Leader a: 1..2 at term 1, then 3..60 at term 3. Follower b diverged: 3..60 at term 2.
    const leaderLog = [...range(1, 2, 1), ...range(3, 60, 3)];
    const followerLog = [...range(1, 2, 1), ...range(3, 60, 2)];
    const a = makeCore('a', { hardState: { term: 3, vote: 'a', commit: 2 }, entries: leaderLog });
    const b = makeCore('b', { hardState: { term: 2, vote: null, commit: 2 }, entries: followerLog });
    const c = makeCore('c', { hardState: { term: 3, vote: 'a', commit: 2 }, entries: leaderLog });
    const w = new Wire([a, b, c]);
    w.elect('a');
    expect(a.status()).toMatchObject({ role: 'leader', term: 4 });
    const rejects = only(w.sent, 'appResp').filter((m) => m.from === 'b' && m.reject);
    expect(rejects.length).toBeLessThanOrEqual(2);
    expect(rejects[0]).toMatchObject({ index: 60, conflictIndex: 60, conflictTerm: 2 });
    expect(b.logEntries(3, 62)).toEqual(a.logEntries(3, 62));
    expect(b.status().commit).toBe(61);
  });

  it('a follower with a short log answers with its last index as the hint', () => {
    const b = makeCore('b', { hardState: { term: 1, vote: null, commit: 0 }, entries: range(1, 3, 1) });
    b.step({ type: 'app', from: 'a', to: 'b', term: 2, prevIndex: 50, prevTerm: 2, entries: [], commit: 0 });
    expect(only(take(b).messages, 'appResp')[0]).toMatchObject({
      reject: true,
      index: 50,
      conflictIndex: 3,
      conflictTerm: 1,
    });
  });

  it('refuses to overwrite a committed entry', () => {
    const b = makeCore('b', { hardState: { term: 1, vote: null, commit: 2 }, entries: range(1, 2, 1) });
    expect(() =>
      b.step({ type: 'app', from: 'a', to: 'b', term: 3, prevIndex: 2, prevTerm: 1, entries: [], commit: 0 }),
    ).not.toThrow();
    // Entries below commit are answered with the commit index, never touched.
    b.step({ type: 'app', from: 'a', to: 'b', term: 3, prevIndex: 0, prevTerm: 0, entries: [ent(1, 3)], commit: 0 });
    expect(b.logTerm(1)).toBe(1);
    expect(only(take(b).messages, 'appResp').pop()).toMatchObject({ reject: false, index: 2 });
  });
});

describe('ReadIndex', () => {
  it('the leader answers only after a quorum confirms its leadership, without a log write', () => {
    const w = stableCluster();
    const a = w.get('a');
    const last = a.status().lastIndex;
    a.readIndex('r1');
    const rd = take(a);
    expect(rd.readStates).toEqual([]);
    const hbs = only(rd.messages, 'heartbeat');
    expect(hbs.map((m) => m.ctx)).toEqual(['r1', 'r1']);
    expect(a.status().lastIndex).toBe(last);
    // One follower's ack + the leader = quorum of 3.
    const b = w.get('b');
    b.step(hbs.find((m) => m.to === 'b') as Message);
    a.step(take(b).messages[0]);
    expect(take(a).readStates).toEqual([{ ctx: 'r1', index: 1 }]);
  });

  it('a leader cut off from the quorum never answers', () => {
    const w = stableCluster();
    w.isolate('a');
    w.get('a').readIndex('r');
    w.tickAll(5);
    expect(w.get('a').ready().readStates).toEqual([]);
  });

  it('waits for the leader to commit an entry of its own term', () => {
    // a leads term 2 with an uncommitted term-1 tail; its commit index may be stale.
    const a = makeCore('a', { hardState: { term: 1, vote: null, commit: 1 }, entries: range(1, 2, 1), preVote: false });
    for (let i = 0; i < 10; i++) a.tick();
    take(a);
    a.step({ type: 'voteResp', from: 'b', to: 'a', term: 2, reject: false });
    take(a);
    a.readIndex('early');
    expect(only(take(a).messages, 'heartbeat').filter((m) => m.ctx === 'early')).toEqual([]);
    a.step({
      type: 'appResp',
      from: 'b',
      to: 'a',
      term: 2,
      index: 3,
      reject: false,
      conflictIndex: 0,
      conflictTerm: 0,
    });
    const hbs = only(take(a).messages, 'heartbeat').filter((m) => m.ctx === 'early');
    expect(hbs).toHaveLength(2);
    a.step({ type: 'heartbeatResp', from: 'b', to: 'a', term: 2, ctx: 'early' });
    expect(take(a).readStates).toEqual([{ ctx: 'early', index: 3 }]);
  });

  it('a follower forwards to the leader and gets the read state back', () => {
    const w = stableCluster();
    w.get('a').propose('v');
    w.flush();
    w.get('c').readIndex('fr');
    let got: unknown[] = [];
    const c = w.get('c');
    for (let i = 0; i < 20 && got.length === 0; i++) {
      const rd = c.ready();
      got = [...rd.readStates];
      c.advance(rd);
      for (const m of rd.messages) w.get(m.to).step(m);
      for (const id of ['a', 'b']) {
        for (const m of take(w.get(id)).messages) w.get(m.to).step(m);
      }
    }
    expect(got).toEqual([{ ctx: 'fr', index: 2 }]);
    expect(() => makeCore('b').readIndex('x')).toThrow(NotLeaderError);
  });

  it('a single-node cluster answers at once', () => {
    const solo = new RaftCore({ id: 'a', peers: ['a'], random: () => 0 });
    for (let i = 0; i < 10; i++) solo.tick();
    expect(solo.status().role).toBe('leader');
    // Before its no-op is durable (and so committed) the commit index may lag: the read waits.
    solo.readIndex('s');
    expect(take(solo).readStates).toEqual([]);
    expect(take(solo).readStates).toEqual([{ ctx: 's', index: 1 }]);
    solo.readIndex('t');
    expect(take(solo).readStates).toEqual([{ ctx: 't', index: 1 }]);
  });
});

describe('leadership transfer', () => {
  it('brings the target up to date, sends TimeoutNow, and the target wins at once', () => {
    const w = stableCluster();
    const a = w.get('a');
    w.drop('a', 'c');
    a.propose('p1');
    w.flush();
    w.heal();
    const before = w.sent.length;
    a.transferLeadership('c');
    expect(() => a.propose('during')).toThrow(LeadershipTransferError);
    // Heartbeats reveal that c missed p1; it is resent, then c gets TimeoutNow.
    for (let i = 0; i < 4; i++) {
      a.tick();
      w.flush();
    }
    const after = w.sent.slice(before);
    expect(only(after, 'timeoutNow')).toHaveLength(1);
    expect(only(after, 'preVote')).toEqual([]);
    expect(only(after, 'vote').map((m) => m.transfer)).toEqual([true, true]);
    expect(w.get('c').status()).toMatchObject({ role: 'leader', term: 2 });
    expect(a.status()).toMatchObject({ role: 'follower', leader: 'c' });
  });

  it('is abandoned after an election timeout if the target does not take over', () => {
    const w = stableCluster();
    const a = w.get('a');
    w.isolate('c');
    a.transferLeadership('c');
    expect(a.status().leadTransferee).toBe('c');
    w.tickAll(10);
    expect(a.status()).toMatchObject({ role: 'leader', leadTransferee: null });
    expect(a.propose('after').index).toBeGreaterThan(1);
  });

  it('only the leader can transfer', () => {
    const w = stableCluster();
    expect(() => w.get('b').transferLeadership('c')).toThrow(NotLeaderError);
    expect(() => w.get('a').transferLeadership('zz')).toThrow(RaftConfigError);
  });
});

describe('snapshots', () => {
  it('compacts only applied, persisted entries', () => {
    const w = stableCluster();
    const a = w.get('a');
    a.propose('1');
    a.propose('2');
    expect(() => a.compact(3, 'img')).toThrow(/applied/);
    w.flush();
    const snap = a.compact(3, 'img');
    expect(snap).toEqual({ meta: { index: 3, term: 1, peers: ['a', 'b', 'c'] }, data: 'img' });
    expect(a.status().firstIndex).toBe(4);
    expect(a.compact(2, 'older')).toBeNull();
  });

  it('sends InstallSnapshot to a follower behind the first retained index; it installs and catches up', () => {
    const w = stableCluster();
    const a = w.get('a');
    const c = w.get('c');
    w.isolate('c');
    for (let i = 0; i < 5; i++) a.propose(`v${i}`);
    w.flush();
    a.compact(a.status().applied, 'state@6');
    a.propose('after');
    w.flush();
    w.heal();
    let installed = null;
    for (let i = 0; i < 50 && installed === null; i++) {
      // Heartbeats -> c answers -> a sees c stalled behind its log -> snapshot.
      a.tick();
      for (const core of w.cores.values()) {
        const rd = core.ready();
        if (core === c && rd.snapshot !== null) {
          installed = rd.snapshot;
          expect(rd.hardState?.commit).toBe(6);
          expect(c.status()).toMatchObject({ firstIndex: 7, lastIndex: 6, commit: 6 });
        }
        core.advance(rd);
        for (const m of rd.messages) w.get(m.to).step(m);
      }
    }
    expect(installed).toMatchObject({ meta: { index: 6, term: 1 }, data: 'state@6' });
    w.flush();
    expect(c.status()).toMatchObject({ applied: 7, commit: 7, lastIndex: 7 });
    expect(c.logEntries(7, 8)?.[0].data).toBe('after');
  });

  it('a follower ignores a snapshot it already covers', () => {
    const b = makeCore('b', { hardState: { term: 1, vote: null, commit: 3 }, entries: range(1, 3, 1) });
    b.step({
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term: 1,
      snapshot: { meta: { index: 2, term: 1, peers: ['a', 'b', 'c'] }, data: '' },
    });
    const rd = take(b);
    expect(rd.snapshot).toBeNull();
    expect(only(rd.messages, 'appResp')[0]).toMatchObject({ reject: false, index: 3 });
  });

  it('restarts from a snapshot plus the entries after it', () => {
    const c = makeCore('a', {
      hardState: { term: 2, vote: null, commit: 12 },
      snapshot: { meta: { index: 10, term: 2, peers: ['a', 'b', 'c'] }, data: 's' },
      entries: range(11, 12, 2),
    });
    expect(c.status()).toMatchObject({ firstIndex: 11, lastIndex: 12, applied: 10, commit: 12 });
    expect(c.ready().committedEntries.map((e) => e.index)).toEqual([11, 12]);
  });
});

describe('Ready contract', () => {
  it('ready() is pure and advance() consumes exactly what it returned', () => {
    const w = stableCluster();
    const a = w.get('a');
    a.propose('x');
    const rd1 = a.ready();
    a.propose('y'); // arrives while the driver handles rd1
    expect(rd1.entries.map((e) => e.data)).toEqual(['x']);
    a.advance(rd1);
    const rd2 = a.ready();
    expect(rd2.entries.map((e) => e.data)).toEqual(['y']);
    expect(rd2.messages.length).toBeGreaterThan(0);
    a.advance(rd2);
    expect(a.hasReady()).toBe(false);
  });

  it('reports soft state changes', () => {
    const c = makeCore('a', { preVote: false });
    for (let i = 0; i < 10; i++) c.tick();
    expect(take(c).softState).toEqual({ role: 'candidate', leader: null, term: 1 });
    expect(c.ready().softState).toBeNull();
  });

  it('is deterministic for a given random source', () => {
    const run = (): string => {
      let s = 42;
      const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
      const w = new Wire(PEERS.map((id) => new RaftCore({ id, peers: [...PEERS], random: rnd })));
      w.tickAll(40);
      return JSON.stringify(w.sent);
    };
    expect(run()).toBe(run());
  });
});

describe('persistence order (one fsync on the critical path)', () => {
  it('asks for no sync when only the commit index changed, and for one when entries or term or vote did', () => {
    const w = stableCluster();
    const b = w.get('b');
    // b holds the leader's next entry but has not heard it committed yet.
    const a = w.get('a');
    a.propose('x');
    const app = only(take(a).messages, 'app').find((m) => m.to === 'b')!;
    b.step(app);
    const withEntry = b.ready();
    expect(withEntry.entries).toHaveLength(1);
    expect(withEntry.mustSync).toBe(true);
    b.advance(withEntry);
    b.step({ ...app, entries: [], prevIndex: app.prevIndex + 1, prevTerm: app.term, commit: app.prevIndex + 1 });
    const commitOnly = b.ready();
    expect(commitOnly.hardState?.commit).toBe(app.prevIndex + 1);
    expect(commitOnly.entries).toEqual([]);
    expect(commitOnly.mustSync).toBe(false);
    b.advance(commitOnly);
    // A new term (and a vote) must be durable before anyone hears of it.
    b.step(vote('c', 'b', 9, 100, 9, 'vote', true)); // a transfer's candidate: not ignored under the leader lease
    const voted = b.ready();
    expect(voted.hardState).toMatchObject({ term: 9, vote: 'c' });
    expect(voted.mustSync).toBe(true);
    expect(voted.sendFirst).toBe(false);
  });

  it("lets a leader send its appends before its own write, never a follower's acknowledgement", () => {
    const w = stableCluster();
    const a = w.get('a');
    a.propose('x');
    const leaderReady = a.ready();
    expect(leaderReady.entries).toHaveLength(1);
    expect(leaderReady.sendFirst).toBe(true);
    const b = w.get('b');
    for (const m of leaderReady.messages) if (m.to === 'b') b.step(m);
    const followerReady = b.ready();
    expect(only(followerReady.messages, 'appResp')).toHaveLength(1);
    expect(followerReady.sendFirst).toBe(false);
  });

  it('counts the leader towards a quorum only once its write is durable (advance)', () => {
    const w = stableCluster();
    const a = w.get('a');
    const { index } = a.propose('x');
    const leaderReady = a.ready(); // sent first; the write is in progress: advance() not called yet
    const b = w.get('b');
    for (const m of leaderReady.messages) if (m.to === 'b') b.step(m);
    // One follower acknowledged: with the leader's write not durable that is 1 of 3.
    for (const m of take(b).messages) a.step(m);
    expect(a.status().commit).toBeLessThan(index);
    a.advance(leaderReady); // the leader's write is now durable: 2 of 3
    expect(a.status().commit).toBe(index);
  });

  it('commits on two followers while the leader is still writing', () => {
    const w = stableCluster();
    const a = w.get('a');
    const { index } = a.propose('x');
    const leaderReady = a.ready();
    for (const id of ['b', 'c']) {
      const f = w.get(id);
      for (const m of leaderReady.messages) if (m.to === id) f.step(m);
      for (const m of take(f).messages) a.step(m);
    }
    expect(a.status().commit).toBe(index);
  });

  it('commits at once in a single-node cluster, after its write', () => {
    const solo = new RaftCore({ id: 'a', peers: ['a'], random: () => 0 });
    for (let i = 0; i < 10; i++) solo.tick();
    take(solo); // elected: the no-op is written and counted in advance()
    const { index } = solo.propose('x');
    expect(solo.status().commit).toBeLessThan(index);
    const rd = solo.ready();
    solo.advance(rd);
    expect(solo.status().commit).toBe(index);
    expect(take(solo).committedEntries.map((e) => e.index)).toEqual([index]);
  });
});
