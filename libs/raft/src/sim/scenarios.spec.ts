// The classic Raft scenarios (MIT 6.5840 test suite), run in the deterministic
// simulator. Virtual time: 1 unit = 1 ms, a Raft tick every 10 ms, elections time
// out after 100-200 ms. Every run is also watched by the SafetyChecker.
import { Cluster } from './cluster.js';
import { RELIABLE, UNRELIABLE, UNRELIABLE_LONG_REORDER } from './network.js';
import { Prng } from '@dss/prng';

const ELECTION = 1000; // generous bound for an election to settle (MIT's RaftElectionTimeout)

function others(c: Cluster, ...not: string[]): string[] {
  return c.ids.filter((id) => !not.includes(id));
}

describe('elections', () => {
  it('initial election', () => {
    const c = new Cluster({ size: 3, seed: 1, network: { ...RELIABLE, serialize: true } });
    const leader = c.checkOneLeader();
    const term1 = c.checkTerms();
    expect(term1).toBeGreaterThanOrEqual(1);
    // With no failures, nothing changes.
    c.run(2 * ELECTION);
    expect(c.checkTerms()).toBe(term1);
    expect(c.checkOneLeader()).toBe(leader);
    // Election traffic is small: a pre-vote round and a vote round.
    expect(c.net.countOf('preVote', 'preVoteResp', 'vote', 'voteResp')).toBeLessThanOrEqual(12);
  });

  it('re-election', () => {
    const c = new Cluster({ size: 3, seed: 2 });
    const l1 = c.checkOneLeader();
    c.disconnect(l1);
    const l2 = c.checkOneLeader();
    expect(l2).not.toBe(l1);
    // The old leader rejoining must not disturb the new one.
    c.connect(l1);
    expect(c.checkOneLeader()).toBe(l2);
    // No quorum: no leader.
    c.disconnect(l2);
    c.disconnect(others(c, l2)[0]);
    c.run(2 * ELECTION);
    c.checkNoLeader();
    // A quorum again: a leader.
    c.connect(others(c, l2)[0]);
    c.checkOneLeader();
    c.connect(l2);
    c.checkOneLeader();
  });

  it('many elections (7 nodes, random disconnects)', () => {
    const c = new Cluster({ size: 7, seed: 3 });
    const rng = new Prng(33);
    c.checkOneLeader();
    for (let i = 0; i < 10; i++) {
      const out = rng.shuffle(c.ids).slice(0, 3);
      for (const id of out) c.disconnect(id);
      c.checkOneLeader(); // the 4 remaining still form a quorum
      for (const id of out) c.connect(id);
    }
    c.checkOneLeader();
  });
});

describe('agreement', () => {
  it('basic agreement', () => {
    const c = new Cluster({ size: 3, seed: 4, network: { ...RELIABLE, serialize: true } });
    const leader = c.checkOneLeader();
    let last = c.core(leader).status().lastIndex; // the leader's no-op
    for (let i = 1; i <= 3; i++) {
      expect(c.nCommitted(last + 1).count).toBe(0); // nothing committed before it is proposed
      const index = c.one(`cmd${i}`, 3, false);
      expect(index).toBeGreaterThan(last);
      last = index;
    }
  });

  it('bounded message counts: each command crosses each link about once', () => {
    const c = new Cluster({ size: 3, seed: 5 });
    c.checkOneLeader();
    c.one('warmup', 3);
    c.net.resetCounters();
    for (let i = 0; i < 10; i++) c.one(`c${i}`, 3, false);
    // Every command goes to each of the 2 followers once; no resends on a reliable net.
    expect(c.net.entriesSent).toBe(20);
    c.net.resetCounters();
    const idleMs = 1000;
    c.run(idleMs);
    // Idle: only heartbeats and their answers, 2 followers, one tick per 10 ms.
    expect(c.net.totalSent()).toBeLessThanOrEqual((idleMs / 10) * 2 * 2 + 8);
    expect(c.net.countOf('app', 'vote', 'preVote')).toBe(0);
  });

  it('follower failure', () => {
    const c = new Cluster({ size: 3, seed: 6 });
    c.one('101', 3);
    const l1 = c.checkOneLeader();
    c.disconnect(others(c, l1)[0]);
    c.one('102', 2);
    c.run(ELECTION);
    c.one('103', 2);
    // Disconnect the remaining follower: the leader alone cannot commit.
    const l2 = c.checkOneLeader();
    c.disconnect(others(c, l1, others(c, l1)[0])[0]);
    const receipt = c.node(l2).tryPropose('104');
    expect(receipt).not.toBeNull();
    c.run(2 * ELECTION);
    expect(c.nCommitted(receipt?.index ?? 0).count).toBe(0);
  });

  it('leader failure', () => {
    const c = new Cluster({ size: 3, seed: 7 });
    c.one('101', 3);
    const l1 = c.checkOneLeader();
    c.disconnect(l1);
    c.one('102', 2);
    c.run(ELECTION);
    c.one('103', 2);
    const l2 = c.checkOneLeader();
    c.disconnect(l2);
    // Only one node left connected: nothing can commit.
    const attempts = c.ids.map((id) => c.node(id).tryPropose('104')).filter((r) => r !== null);
    c.run(2 * ELECTION);
    for (const r of attempts) {
      const got = c.nCommitted(r?.index ?? 0);
      expect(got.cmd === '104' ? got.count : 0).toBe(0);
    }
  });

  it('fail-agree: a reconnected follower catches up', () => {
    const c = new Cluster({ size: 3, seed: 8 });
    c.one('101', 3);
    const leader = c.checkOneLeader();
    const f = others(c, leader)[0];
    c.disconnect(f);
    for (const v of ['102', '103', '104', '105']) c.one(v, 2);
    c.connect(f);
    const index = c.one('106', 3, true);
    for (let i = 1; i <= index; i++) expect(c.node(f).sm.lastApplied).toBeGreaterThanOrEqual(i);
  });

  it('fail-no-agree: no commit without a majority', () => {
    const c = new Cluster({ size: 5, seed: 9 });
    c.one('10', 5);
    const leader = c.checkOneLeader();
    const out = others(c, leader).slice(0, 3);
    for (const id of out) c.disconnect(id);
    const receipt = c.node(leader).tryPropose('20');
    expect(receipt).not.toBeNull();
    c.run(2 * ELECTION);
    expect(c.nCommitted(receipt?.index ?? 0).count).toBe(0);
    for (const id of out) c.connect(id);
    c.one('1000', 5);
    expect(c.alive().every((n) => !n.sm.commands().some((x) => x.data === '20' && x.index !== receipt?.index))).toBe(
      true,
    );
  });

  it('concurrent proposals', () => {
    const c = new Cluster({ size: 3, seed: 10 });
    const leader = c.checkOneLeader();
    const receipts = Array.from({ length: 5 }, (_, i) => c.node(leader).tryPropose(`con${i}`));
    expect(receipts.every((r) => r !== null)).toBe(true);
    const indexes = receipts.map((r) => r?.index ?? 0);
    expect(new Set(indexes).size).toBe(5);
    c.run(500);
    for (const [i, index] of indexes.entries()) expect(c.nCommitted(index)).toEqual({ count: 3, cmd: `con${i}` });
  });

  it('rejoin of a partitioned leader', () => {
    const c = new Cluster({ size: 3, seed: 11 });
    c.one('101', 3);
    const l1 = c.checkOneLeader();
    c.disconnect(l1);
    // The old leader takes proposals it can never commit.
    const lost = ['102', '103', '104'].map((v) => c.node(l1).tryPropose(v));
    expect(lost.every((r) => r !== null)).toBe(true);
    c.one('103', 2);
    const l2 = c.checkOneLeader();
    c.disconnect(l2);
    c.connect(l1);
    c.one('104', 2);
    c.connect(l2);
    c.one('105', 3);
    // The old leader's uncommitted '102' was overwritten everywhere, never applied.
    for (const n of c.alive()) expect(n.sm.commands().map((x) => x.data)).toEqual(['101', '103', '104', '105']);
  });

  it('backup: a leader brings back followers with 50+ divergent entries quickly', () => {
    const c = new Cluster({ size: 5, seed: 12 });
    c.one('start', 5);
    // Leader and one follower partitioned away; 50 commands that will never commit.
    const l1 = c.checkOneLeader();
    const [f1, x, y, z] = others(c, l1);
    c.partition([
      [l1, f1],
      [x, y, z],
    ]);
    for (let i = 0; i < 50; i++) c.node(l1).tryPropose(`lost-a${i}`);
    c.run(ELECTION / 2);
    // The other three commit 50 commands.
    for (let i = 0; i < 50; i++) c.one(`b${i}`, 3);
    // The new leader and one follower are cut off too: 50 more doomed commands.
    const l2 = c.checkOneLeader();
    const other = [x, y, z].find((id) => id !== l2) as string;
    const third = [x, y, z].find((id) => id !== l2 && id !== other) as string;
    c.partition([[l2, third], [l1], [f1], [other]]);
    for (let i = 0; i < 50; i++) c.node(l2).tryPropose(`lost-c${i}`);
    c.run(ELECTION / 2);
    // The original pair comes back with `other`: both hold 50 divergent entries.
    c.partition([[l1, f1, other], [l2], [third]]);
    c.net.resetCounters();
    for (let i = 0; i < 50; i++) c.one(`d${i}`, 3);
    // Fast backtracking: one reject per divergent term, not one per entry.
    expect(c.net.rejectsFrom(l1)).toBeGreaterThanOrEqual(1);
    expect(c.net.rejectsFrom(l1) + c.net.rejectsFrom(f1)).toBeLessThanOrEqual(6);
    c.heal();
    c.net.resetCounters();
    c.one('end', 5);
    expect(c.net.rejectsFrom(l2) + c.net.rejectsFrom(third)).toBeLessThanOrEqual(6);
    for (const n of c.alive()) expect(n.sm.commands().some((cmd) => cmd.data.startsWith('lost'))).toBe(false);
    expect(c.node(l2).sm.commands()).toEqual(c.node(l1).sm.commands());
  });

  it('backup: rejects per divergent follower are bounded by the number of terms, not entries', () => {
    const c = new Cluster({ size: 3, seed: 13 });
    c.one('start', 3);
    const l1 = c.checkOneLeader();
    const [f, g] = others(c, l1);
    c.disconnect(f);
    c.disconnect(g);
    for (let i = 0; i < 60; i++) c.node(l1).tryPropose(`doomed${i}`);
    c.run(100);
    c.disconnect(l1);
    c.connect(f);
    c.connect(g);
    for (let i = 0; i < 60; i++) c.one(`good${i}`, 2);
    // Restart both so the next leader is elected with a long log: its first probe
    // to l1 lands 60 entries past the divergence point.
    c.crash(f);
    c.crash(g);
    c.restart(f);
    c.restart(g);
    c.checkOneLeader();
    c.net.resetCounters();
    c.connect(l1);
    c.one('end', 3);
    expect(c.net.rejectsFrom(l1)).toBeGreaterThanOrEqual(1);
    expect(c.net.rejectsFrom(l1)).toBeLessThanOrEqual(3);
    expect(c.node(l1).sm.commands()).toEqual(c.node(f).sm.commands());
  });
});

describe('persistence', () => {
  it('persist 1: state survives crashing every node', () => {
    const c = new Cluster({ size: 3, seed: 14 });
    c.one('11', 3);
    for (const id of c.ids) c.crash(id);
    for (const id of c.ids) c.restart(id);
    c.one('12', 3);
    const l1 = c.checkOneLeader();
    c.restart(l1);
    c.one('13', 3);
    const l2 = c.checkOneLeader();
    c.crash(l2);
    c.one('14', 2);
    c.restart(l2);
    const index = c.one('15', 3);
    // Everyone has everything, in the same order.
    const cmds = c.alive().map((n) =>
      n.sm
        .commands()
        .map((x) => x.data)
        .join(','),
    );
    expect(new Set(cmds).size).toBe(1);
    expect(cmds[0]).toBe('11,12,13,14,15');
    expect(c.nCommitted(index).count).toBe(3);
  });

  it('persist 2: repeated crashes of followers and leaders', () => {
    const c = new Cluster({ size: 5, seed: 15 });
    let v = 10;
    for (let iter = 0; iter < 5; iter++) {
      c.one(`${v++}`, 5);
      const leader1 = c.checkOneLeader();
      const a = others(c, leader1).slice(0, 2);
      for (const id of a) c.crash(id);
      c.one(`${v++}`, 3);
      const b = [leader1, ...others(c, leader1, ...a)].slice(0, 3);
      for (const id of b) c.crash(id);
      for (const id of a) c.restart(id);
      c.run(ELECTION);
      const back = b[2];
      c.restart(back);
      c.one(`${v++}`, 3);
      for (const id of b) if (!c.node(id).alive) c.restart(id);
    }
    c.one('1000', 5);
  });

  it('persist 3: a leader and follower crash while partitioned', () => {
    const c = new Cluster({ size: 3, seed: 16 });
    c.one('101', 3);
    const leader = c.checkOneLeader();
    const f = others(c, leader)[0];
    c.disconnect(f);
    c.one('102', 2);
    c.crash(leader);
    c.crash(others(c, leader, f)[0]);
    c.connect(f);
    c.restart(leader);
    c.one('103', 2);
    c.restart(others(c, leader, f)[0]);
    c.one('104', 3);
  });

  it('Figure 8: leader crashes at random points never lose committed entries', () => {
    const c = new Cluster({ size: 5, seed: 17 });
    const rng = new Prng(1717);
    c.one('init', 1);
    for (let iter = 0; iter < 300; iter++) {
      let leader: string | null = null;
      for (const n of c.alive()) if (n.tryPropose(`f8-${iter}`) !== null) leader = n.id;
      c.run(rng.chance(0.1) ? rng.int(0, 500) : rng.int(0, 13));
      if (leader !== null && c.node(leader).alive) c.crash(leader);
      if (c.alive().length < 3) {
        const down = c.ids.filter((id) => !c.node(id).alive);
        c.restart(rng.pick(down));
      }
    }
    for (const id of c.ids) if (!c.node(id).alive) c.restart(id);
    c.one('final', 5);
    c.checkLogMatching();
  });
});

describe('unreliable networks', () => {
  it('unreliable agreement', () => {
    const c = new Cluster({ size: 5, seed: 18, network: { ...UNRELIABLE, serialize: true } });
    for (let iter = 1; iter < 50; iter++) {
      // Four "clients" propose concurrently, then one waits for agreement.
      for (let j = 0; j < 4; j++) for (const n of c.alive()) n.tryPropose(`${100 * iter + j}`);
      c.one(`${iter}`, 1);
    }
    c.setNetwork(RELIABLE);
    c.one('100', 5);
  });

  it('Figure 8 unreliable: loss and long reordering', () => {
    const c = new Cluster({ size: 5, seed: 19, network: UNRELIABLE_LONG_REORDER });
    const rng = new Prng(1919);
    c.one('init', 1);
    let up = 5;
    for (let iter = 0; iter < 300; iter++) {
      let leader: string | null = null;
      for (const n of c.alive()) if (c.isConnected(n.id) && n.tryPropose(`u8-${iter}`) !== null) leader = n.id;
      c.run(rng.chance(0.1) ? rng.int(0, 500) : rng.int(0, 13));
      if (leader !== null && rng.chance(0.5)) {
        c.disconnect(leader);
        up--;
      }
      if (up < 3) {
        const off = c.ids.filter((id) => !c.isConnected(id));
        c.connect(rng.pick(off));
        up++;
      }
    }
    c.heal();
    c.setNetwork(RELIABLE);
    c.one('final', 5);
  });

  for (const [name, network] of [
    ['reliable churn', RELIABLE],
    ['unreliable churn', UNRELIABLE],
  ] as const) {
    it(name, () => {
      const c = new Cluster({ size: 5, seed: name.length, network });
      const rng = new Prng(name.length * 7);
      const receipts: Array<{ index: number; term: number; value: string }> = [];
      let v = 0;
      for (let t = 0; t < 5000; t += 10) {
        // Three clients keep proposing wherever a leader is.
        for (let k = 0; k < 3; k++) {
          const n = rng.pick(c.alive());
          const value = `ch${v++}`;
          const r = n?.tryPropose(value);
          if (r) receipts.push({ ...r, value });
        }
        c.run(10);
        const r = rng.next();
        const id = rng.pick(c.ids);
        if (r < 0.04) c.disconnect(id);
        else if (r < 0.08) c.connect(id);
        else if (r < 0.1 && c.node(id).alive) c.crash(id);
        else if (r < 0.14 && !c.node(id).alive) c.restart(id);
      }
      c.heal();
      c.setNetwork(RELIABLE);
      for (const id of c.ids) if (!c.node(id).alive) c.restart(id);
      const last = c.one('churn-end', 5);
      // A proposal is committed iff the entry applied at its index has its value.
      const applied = c.node(c.ids[0]).sm;
      const committed = receipts.filter((r) => applied.commandAt(r.index) === r.value);
      expect(committed.length).toBeGreaterThan(20);
      for (const n of c.alive()) {
        expect(n.sm.lastApplied).toBeGreaterThanOrEqual(last);
        for (const r of committed) expect(n.sm.commandAt(r.index)).toBe(r.value);
      }
    });
  }
});

describe('snapshots', () => {
  /** Every node compacts whenever it applied 10 entries past its snapshot. */
  function compactAll(c: Cluster): void {
    for (const n of c.alive()) if (n.sm.lastApplied - (n.store.snapshot?.meta.index ?? 0) >= 10) n.compact();
  }

  it('snapshot basic: logs stay bounded', () => {
    const c = new Cluster({ size: 3, seed: 20 });
    for (let i = 0; i < 100; i++) {
      c.one(`s${i}`, 3);
      compactAll(c);
    }
    for (const n of c.alive()) {
      expect(n.store.entries.length).toBeLessThan(15);
      expect(n.sm.commands()).toHaveLength(100);
    }
  });

  it('snapshot install: a lagging follower is caught up by InstallSnapshot', () => {
    const c = new Cluster({ size: 3, seed: 21, network: { ...RELIABLE, serialize: true } });
    c.one('a', 3);
    const leader = c.checkOneLeader();
    const f = others(c, leader)[0];
    c.disconnect(f);
    for (let i = 0; i < 40; i++) {
      c.one(`x${i}`, 2);
      compactAll(c);
    }
    c.net.resetCounters();
    c.connect(f);
    const last = c.one('y', 3);
    expect(c.net.countOf('snapshot')).toBeGreaterThanOrEqual(1);
    expect(c.node(f).store.snapshot).not.toBeNull();
    expect(c.node(f).sm.lastApplied).toBeGreaterThanOrEqual(last);
    expect(c.node(f).sm.commands()).toEqual(c.node(leader).sm.commands());
  });

  it('snapshot install unreliable', () => {
    const c = new Cluster({ size: 3, seed: 22, network: UNRELIABLE });
    c.one('a', 3);
    for (let round = 0; round < 6; round++) {
      const victim = rngPick(c, round);
      c.disconnect(victim);
      for (let i = 0; i < 15; i++) {
        c.one(`r${round}-${i}`, 2);
        compactAll(c);
      }
      c.connect(victim);
      c.one(`back${round}`, 3);
    }
    expect(c.net.countOf('snapshot')).toBeGreaterThan(0);
  });

  it('snapshot install with crashes', () => {
    const c = new Cluster({ size: 3, seed: 23 });
    c.one('a', 3);
    for (let round = 0; round < 6; round++) {
      const victim = rngPick(c, round);
      c.crash(victim);
      for (let i = 0; i < 15; i++) {
        c.one(`r${round}-${i}`, 2);
        compactAll(c);
      }
      c.restart(victim);
      c.one(`back${round}`, 3);
    }
    expect(c.net.countOf('snapshot')).toBeGreaterThan(0);
  });

  it('snapshot all crash: every node restarts from its snapshot', () => {
    const c = new Cluster({ size: 3, seed: 24 });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 12; i++) {
        c.one(`r${round}-${i}`, 3);
        compactAll(c);
      }
      for (const id of c.ids) c.crash(id);
      for (const id of c.ids) c.restart(id);
      const index = c.one(`after${round}`, 3);
      expect(c.nCommitted(index).count).toBe(3);
    }
    expect(c.node('n1').sm.commands()).toHaveLength(5 * 13);
  });

  it('restart from snapshot: the state machine is rebuilt from snapshot plus log', () => {
    const c = new Cluster({ size: 3, seed: 25 });
    for (let i = 0; i < 25; i++) c.one(`v${i}`, 3);
    const n = c.node('n2');
    expect(n.compact()).toBe(true);
    const snapIndex = n.store.snapshot?.meta.index ?? 0;
    for (let i = 25; i < 30; i++) c.one(`v${i}`, 3);
    const before = n.sm.commands();
    c.crash('n2');
    c.restart('n2');
    expect(n.sm.lastApplied).toBe(snapIndex); // restored from the snapshot alone
    c.run(ELECTION);
    expect(n.sm.commands()).toEqual(before); // then the log's committed tail is re-applied
    expect(n.requireCore().status().firstIndex).toBe(snapIndex + 1);
  });
});

function rngPick(c: Cluster, round: number): string {
  return c.ids[round % c.ids.length];
}

describe('disruption and handover', () => {
  it('a returning partitioned node does not disrupt a stable leader (pre-vote + check-quorum)', () => {
    const c = new Cluster({ size: 3, seed: 26 });
    c.one('x', 3);
    const leader = c.checkOneLeader();
    const term = c.checkTerms();
    const f = others(c, leader)[0];
    c.disconnect(f);
    c.run(5 * ELECTION); // f times out again and again
    expect(c.core(f).status().term).toBe(term);
    c.connect(f);
    c.run(2 * ELECTION);
    expect(c.checkOneLeader()).toBe(leader);
    expect(c.checkTerms()).toBe(term);
  });

  it('without pre-vote the same return does bump the term (what pre-vote prevents)', () => {
    const c = new Cluster({ size: 3, seed: 26, raft: { preVote: false, checkQuorum: false } });
    c.one('x', 3);
    const leader = c.checkOneLeader();
    const term = c.checkTerms();
    const f = others(c, leader)[0];
    c.disconnect(f);
    c.run(5 * ELECTION);
    expect(c.core(f).status().term).toBeGreaterThan(term);
    c.connect(f);
    c.run(2 * ELECTION);
    expect(c.checkTerms()).toBeGreaterThan(term);
  });

  // 3 is the driver's default (RAFT_DEFAULTS): the leader hears its followers only every third tick.
  it.each([1, 3])(
    'a leader cut off from the majority steps down (check-quorum) and serves no reads, heartbeat every %i ticks',
    (heartbeatTicks) => {
      const c = new Cluster({ size: 5, seed: 27, raft: { heartbeatTicks } });
      c.one('x', 5);
      const leader = c.checkOneLeader();
      c.disconnect(leader);
      c.run(ELECTION / 2);
      expect(c.node(leader).isLeader()).toBe(false);
      expect(c.node(leader).tryRead('stale')).toBe(false);
    },
  );

  it('leadership transfer', () => {
    const c = new Cluster({ size: 3, seed: 28 });
    c.one('before', 3);
    const leader = c.checkOneLeader();
    const target = others(c, leader)[1];
    // Let the target fall behind first: the leader must catch it up before handing over.
    c.disconnect(target);
    for (let i = 0; i < 10; i++) c.one(`lag${i}`, 2);
    c.connect(target);
    c.core(leader).transferLeadership(target);
    const done = c.runUntil(() => c.node(target).isLeader(), 300);
    expect(done).toBe(true);
    expect(c.net.countOf('timeoutNow')).toBe(1);
    c.run(100);
    expect(c.node(leader).isLeader()).toBe(false);
    const index = c.one('after', 3);
    expect(c.node(target).sm.commandAt(index)).toBe('after');
  });

  it('linearizable reads through ReadIndex on leader and followers', () => {
    const c = new Cluster({ size: 3, seed: 29 });
    c.one('w1', 3);
    for (const id of c.ids) expect(c.node(id).tryRead(`r-${id}`)).toBe(true);
    c.run(200);
    for (const id of c.ids) {
      const reads = c.node(id).completedReads;
      expect(reads).toHaveLength(1);
      expect(reads[0].index).toBeGreaterThanOrEqual(reads[0].floor);
    }
  });
});

describe('persistence order: the leader writes in parallel, one fsync per commit', () => {
  /** A three-node cluster with a leader and one command applied everywhere. */
  function settled(seed: number): { c: Cluster; leader: string } {
    const c = new Cluster({ size: 3, seed });
    const leader = c.checkOneLeader();
    c.one('warm-up', 3);
    return { c, leader };
  }

  /** A settled three-node cluster with one follower cut off: commits need the leader and `f`. */
  function twoOfThree(seed: number): { c: Cluster; leader: string; f: string; away: string } {
    const { c, leader } = settled(seed);
    const [f, away] = others(c, leader) as [string, string];
    c.disconnect(away);
    return { c, leader, f, away };
  }

  it('a leader does not count itself while its write is in progress, and commits once it is durable', () => {
    const { c, leader } = twoOfThree(41);
    c.node(leader).diskMs = 40;
    const receipt = c.node(leader).tryPropose('x');
    expect(receipt).not.toBeNull();
    const { index } = receipt!;
    // The follower has written and acknowledged well before the leader's disk is done.
    c.run(20);
    expect(c.node(leader).writeInProgress).toBe(true);
    expect(c.core(leader).status().commit).toBeLessThan(index);
    expect(c.runUntil(() => c.core(leader).status().commit >= index, 100)).toBe(true);
    expect(c.node(leader).writeInProgress).toBe(false);
  });

  it('a leader with a slow disk commits through two fast followers before its own write ends', () => {
    const { c, leader } = settled(42);
    c.node(leader).diskMs = 50;
    const { index } = c.node(leader).tryPropose('x')!;
    expect(c.runUntil(() => c.core(leader).status().commit >= index, 30)).toBe(true);
    expect(c.node(leader).writeInProgress).toBe(true);
    c.run(100);
    expect(c.nCommitted(index)).toEqual({ count: 3, cmd: 'x' });
  });

  it('a leader that crashes after sending, before its write is durable, loses nothing committed', () => {
    const { c, leader } = settled(43);
    c.node(leader).diskMs = 50;
    const { index } = c.node(leader).tryPropose('x')!;
    // Both followers hold it durably: it is committed although the leader never wrote it.
    expect(c.runUntil(() => c.core(leader).status().commit >= index, 30)).toBe(true);
    c.crash(leader);
    c.checkOneLeader();
    c.one('after', 2);
    expect(c.nCommitted(index)).toEqual({ count: 2, cmd: 'x' });
    c.node(leader).diskMs = 0;
    c.restart(leader);
    c.one('rejoined', 3);
    expect(c.nCommitted(index)).toEqual({ count: 3, cmd: 'x' });
  });

  it('a follower acknowledges only after its write: crashing it right after the write keeps the entry', () => {
    const { c, leader, f, away } = twoOfThree(44);
    c.node(f).diskMs = 20;
    const { index } = c.node(leader).tryPropose('x')!;
    expect(c.runUntil(() => c.core(leader).status().commit >= index, 200)).toBe(true);
    // The leader counted f: f must hold x on disk now, whatever it was doing.
    c.crash(f);
    c.crash(leader);
    c.restart(f);
    c.connect(away);
    const next = c.checkOneLeader();
    expect(next).not.toBe(leader);
    // The checker fails the run if the new leader lacks x (leader completeness).
    c.one('after', 2);
    expect(c.nCommitted(index)).toEqual({ count: 2, cmd: 'x' });
  });

  it('a follower that crashes between its write and its acknowledgement is not counted', () => {
    const { c, leader, f } = twoOfThree(45);
    let crashNext = true;
    c.node(f).crashAfterWrite = () => {
      const now = crashNext;
      crashNext = false;
      return now;
    };
    const { index } = c.node(leader).tryPropose('x')!;
    c.run(50);
    expect(c.node(f).alive).toBe(false);
    expect(c.core(leader).status().commit).toBeLessThan(index);
    c.restart(f);
    expect(c.runUntil(() => c.core(leader).status().commit >= index, 500)).toBe(true);
  });
});
