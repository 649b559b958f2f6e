import { NotLeaderError } from '../core/errors.js';
import type { Message } from '../core/messages.js';
import type { Entry, HardState } from '../core/types.js';
import { MemoryRaftStorage } from '../storage/memory-raft-storage.js';
import { ListMachine } from '../testing/list-machine.js';
import { until } from '../testing/tcp-raft-cluster.js';
import { ProposalUnknownError, RaftStoppedError } from './driver-errors.js';
import { RAFT_DEFAULTS, RaftNode } from './raft-node.js';

// The driver with in-memory storage and an in-process network, on real timers
// (short ticks): the failure paths that the TCP test does not reach.

const IDS = ['a', 'b', 'c'];

class FailingStorage extends MemoryRaftStorage {
  failAppends = false;
  /** Each write takes this long (a slow disk). */
  delayMs = 0;
  /** Every append: when it started and ended, what it held. */
  readonly log: { entries: number; commitOnly: boolean; started: number; ended: number }[] = [];
  override async append(entries: readonly Entry[], hardState?: HardState): Promise<void> {
    if (this.failAppends) throw new Error('disk full');
    const stored = this.disk.hardState;
    // A write whose only news is the commit index (no entries, same term and vote).
    const commitOnly =
      entries.length === 0 &&
      hardState !== undefined &&
      hardState.term === stored.term &&
      hardState.vote === stored.vote;
    const record = { entries: entries.length, commitOnly, started: performance.now(), ended: Infinity };
    this.log.push(record);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    await super.append(entries, hardState);
    record.ended = performance.now();
  }
}

function makeCluster(opts: { proposalTimeoutMs?: number } = {}) {
  const nodes = new Map<string, RaftNode>();
  const storages = new Map<string, FailingStorage>();
  const cut = new Set<string>();
  /** Every message handed to the network, in order. */
  const sent: Message[] = [];
  for (const id of IDS) {
    const storage = new FailingStorage();
    storages.set(id, storage);
    nodes.set(
      id,
      new RaftNode({
        id,
        members: IDS,
        storage,
        stateMachine: new ListMachine(),
        transport: {
          send: (to: string, messages: readonly Message[]) => {
            sent.push(...messages);
            if (cut.has(to) || cut.has(id)) return;
            setImmediate(() => messages.forEach((m) => nodes.get(to)!.step(m)));
          },
        },
        tickMs: 10,
        proposalTimeoutMs: opts.proposalTimeoutMs ?? 2000,
      }),
    );
  }
  const leader = () => [...nodes.values()].find((n) => n.isLeader);
  return { nodes, storages, cut, sent, leader };
}

describe('RaftNode', () => {
  let cluster: ReturnType<typeof makeCluster>;

  afterEach(async () => {
    for (const n of cluster.nodes.values()) await n.stop();
  });

  it('refuses a proposal on a follower with the leader as a hint', async () => {
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(
      () =>
        cluster.leader() !== undefined && [...cluster.nodes.values()].every((n) => n.leader === cluster.leader()!.id),
      5000,
    );
    const follower = [...cluster.nodes.values()].find((n) => !n.isLeader)!;
    let err: unknown;
    try {
      await follower.propose('x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderId).toBe(cluster.leader()!.id);
  });

  it('reports an unknown outcome when a proposal cannot commit in time (leader cut off)', async () => {
    cluster = makeCluster({ proposalTimeoutMs: 300 });
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    const leader = cluster.leader()!;
    cluster.cut.add(leader.id);
    await expect(leader.propose('lost?')).rejects.toBeInstanceOf(ProposalUnknownError);
  });

  it('ends pending proposals as unknown as soon as the leader loses its quorum (no waiting out the timeout)', async () => {
    cluster = makeCluster({ proposalTimeoutMs: 60_000 });
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    const leader = cluster.leader()!;
    cluster.cut.add(leader.id);
    const started = Date.now();
    const err = await leader.propose('stranded').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProposalUnknownError);
    expect((err as Error).message).toMatch(/lost leadership/);
    expect(Date.now() - started).toBeLessThan(10_000); // check-quorum: within 1-2 election timeouts, not 60 s
  });

  it('stops taking work after a storage failure and fails what was pending', async () => {
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    const leader = cluster.leader()!;
    cluster.storages.get(leader.id)!.failAppends = true;
    await expect(leader.propose('doomed')).rejects.toBeInstanceOf(RaftStoppedError);
    expect(() => leader.propose('after')).toThrow(RaftStoppedError);
  });

  it('applies the same commands in the same order on every node', async () => {
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => cluster.leader()!.propose(`c${i}`)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await until(
      () => [...cluster.nodes.values()].every((n) => n.status().applied === cluster.leader()!.status().applied),
      5000,
    );
  });

  it('writes nothing for a change of the commit index alone (one sync per entry on every node)', async () => {
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    await cluster.leader()!.propose('warm-up');
    await until(
      () => [...cluster.nodes.values()].every((n) => n.status().applied === cluster.leader()!.status().applied),
      5000,
    );
    for (const st of cluster.storages.values()) st.log.length = 0;
    for (let i = 0; i < 20; i++) await cluster.leader()!.propose(`c${i}`);
    await until(
      () => [...cluster.nodes.values()].every((n) => n.status().applied === cluster.leader()!.status().applied),
      5000,
    );
    for (const st of cluster.storages.values()) {
      expect(st.log.filter((w) => w.commitOnly)).toEqual([]);
      expect(st.log.reduce((n, w) => n + w.entries, 0)).toBeGreaterThanOrEqual(20);
    }
  });

  it("sends a leader's appends while its own write is in progress", async () => {
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    const leader = cluster.leader()!;
    await leader.propose('warm-up');
    const own = cluster.storages.get(leader.id)!;
    // Slow, but well inside the followers' election timeout (10-20 ticks of 10 ms): the leader's
    // loop waits for its disk and sends no heartbeat meanwhile.
    own.delayMs = 60;
    await leader.propose('slow disk');
    const leaderWrite = own.log.find((w) => w.entries === 1 && w.ended - w.started >= 50)!;
    expect(leaderWrite).toBeDefined();
    // Both followers wrote the entry before the leader's own write ended.
    for (const [id, st] of cluster.storages) {
      if (id === leader.id) continue;
      const write = st.log.filter((w) => w.entries === 1).pop()!;
      expect(write.ended).toBeLessThan(leaderWrite.ended);
    }
  });

  it("sends an idle leader's heartbeats every third tick, at least three per election timeout", async () => {
    // Each heartbeat wakes all three daemons, which share their machines with the
    // queue and the cache; an idle cluster should stay quiet (docs/raft.md).
    expect(RAFT_DEFAULTS.heartbeatTicks).toBe(3);
    expect(RAFT_DEFAULTS.electionTicks / RAFT_DEFAULTS.heartbeatTicks).toBeGreaterThanOrEqual(3);
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    const leader = cluster.leader()!;
    const from = cluster.sent.length;
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 600));
    const elapsed = performance.now() - started;
    expect(cluster.leader()).toBe(leader);
    const beats = cluster.sent.slice(from).filter((m) => m.type === 'heartbeat' && m.from === leader.id);
    for (const follower of IDS.filter((id) => id !== leader.id)) {
      const count = beats.filter((m) => m.to === follower).length;
      // An interval never fires early: the window holds at most elapsed / 10 ticks
      // (tickMs 10), so a heartbeat every tick would send about twice this bound.
      expect(count).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 1);
      expect(count).toBeGreaterThan(0);
    }
  });

  it('writes the last commit index on a graceful stop', async () => {
    cluster = makeCluster();
    await Promise.all([...cluster.nodes.values()].map((n) => n.start()));
    await until(() => cluster.leader() !== undefined, 5000);
    for (let i = 0; i < 5; i++) await cluster.leader()!.propose(`c${i}`);
    const follower = [...cluster.nodes.values()].find((n) => !n.isLeader)!;
    const storage = cluster.storages.get(follower.id)!;
    await until(() => follower.status().applied === cluster.leader()!.status().commit, 5000);
    const commit = follower.status().commit;
    expect(storage.disk.hardState.commit).toBeLessThan(commit); // commit-only changes were not written...
    await follower.stop();
    expect(storage.disk.hardState.commit).toBe(commit); // ...until the stop
  });
});
