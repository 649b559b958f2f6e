import type { Message } from '../core/messages.js';
import { NotLeaderError } from '../core/errors.js';
import { RaftCore, type RaftStatus } from '../core/raft-core.js';
import type { Ready, SoftState } from '../core/ready.js';
import type { Entry, HardState, NodeId } from '../core/types.js';
import type { RaftStorage } from '../storage/raft-storage.js';
import { ProposalDroppedError, ProposalUnknownError, RaftStoppedError, ReadTimeoutError } from './driver-errors.js';
import type { RaftLogger, RaftObserver, RaftTransport } from './raft-transport.js';
import type { StateMachine } from './state-machine.js';

/**
 * Defaults: a 30 ms tick gives a 0.3-0.6 s election timeout, so a dead leader is replaced
 * within about half a second. An idle leader's heartbeat goes out every third tick (90 ms,
 * etcd's is 100 ms): at least three per election timeout, while every heartbeat wakes all
 * three daemons on machines they share with the queue and the cache. Reads and proposals do
 * not wait for it: a ReadIndex sends its own heartbeat round, entries their own appends.
 */
export const RAFT_DEFAULTS = {
  tickMs: 30,
  electionTicks: 10,
  heartbeatTicks: 3,
  proposalTimeoutMs: 5000,
  readTimeoutMs: 5000,
  /** Applied entries between snapshots; bounds the log and the replay on restart. */
  snapshotEntries: 10_000,
} as const;

export interface RaftNodeOptions {
  readonly id: NodeId;
  /** Every voting member, this node included. */
  readonly members: readonly NodeId[];
  readonly storage: RaftStorage;
  readonly stateMachine: StateMachine;
  readonly transport: RaftTransport;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly proposalTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly snapshotEntries?: number;
  readonly observer?: RaftObserver;
  readonly logger?: RaftLogger;
  /** Source of randomness for election timeouts (seeded in tests). */
  readonly random?: () => number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const silent: RaftLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The I/O half of Raft (etcd's "node"): drives the pure core with a timer,
 * persists what each Ready says (one group-committed fsync per batch, none for
 * a commit-only change) before sending its messages (a leader sends its appends
 * while it writes), applies committed entries to the state machine, and turns
 * proposals and reads into promises.
 */
export class RaftNode {
  private core!: RaftCore;
  private soft: SoftState = { role: 'follower', leader: null, term: 0 };
  private applied = 0;
  /** Last commit index from a Ready's hard state (the commit only moves with it). */
  private commit = 0;
  /** The newest hard state not yet written: it differs from the stored one only in its commit. */
  private unsyncedHardState?: HardState;
  private snapshotIndex = 0;
  private ticker?: NodeJS.Timeout;
  private pumping = false;
  private again = false;
  private stopped = false;
  private failure?: Error;
  private readSeq = 0;
  private readonly proposals = new Map<number, Waiter<unknown> & { term: number }>();
  private readonly reads = new Map<string, Waiter<number>>();
  /** Confirmed read points waiting for the state machine to catch up. */
  private readonly readyReads: { index: number; resolve: (index: number) => void }[] = [];
  private readonly leaderWatchers = new Set<() => void>();
  private readonly o: Required<Omit<RaftNodeOptions, 'observer' | 'random'>> &
    Pick<RaftNodeOptions, 'observer'> & { random: () => number };

  constructor(options: RaftNodeOptions) {
    this.o = {
      tickMs: RAFT_DEFAULTS.tickMs,
      electionTicks: RAFT_DEFAULTS.electionTicks,
      heartbeatTicks: RAFT_DEFAULTS.heartbeatTicks,
      proposalTimeoutMs: RAFT_DEFAULTS.proposalTimeoutMs,
      readTimeoutMs: RAFT_DEFAULTS.readTimeoutMs,
      snapshotEntries: RAFT_DEFAULTS.snapshotEntries,
      logger: silent,
      random: Math.random,
      // An option passed as undefined keeps its default.
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RaftNodeOptions),
    };
  }

  get id(): NodeId {
    return this.o.id;
  }

  /** Recovers from storage, restores the state machine and starts ticking. */
  async start(): Promise<void> {
    const recovered = await this.o.storage.open();
    if (recovered.snapshot) {
      this.o.stateMachine.restore(recovered.snapshot.data);
      this.applied = this.snapshotIndex = recovered.snapshot.meta.index;
    }
    this.core = new RaftCore({
      id: this.o.id,
      peers: this.o.members,
      hardState: recovered.hardState,
      snapshot: recovered.snapshot,
      entries: recovered.entries,
      applied: this.applied,
      electionTicks: this.o.electionTicks,
      heartbeatTicks: this.o.heartbeatTicks,
      random: this.o.random,
    });
    this.soft = { role: 'follower', leader: null, term: recovered.hardState.term };
    this.commit = recovered.hardState.commit;
    this.o.logger.log(
      `raft ${this.o.id}: recovered term ${recovered.hardState.term}, snapshot ${this.snapshotIndex}, ${recovered.entries.length} log entries`,
    );
    this.ticker = setInterval(() => {
      this.core.tick();
      this.kick();
    }, this.o.tickMs);
    this.kick();
  }

  /**
   * A message from a peer. Malformed or misaddressed ones are dropped by the
   * core; so is anything that arrives before start() recovered the log (the
   * peer server may already listen), as Raft expects of a lossy network.
   */
  step(message: Message): void {
    // `core` is assigned by start(); before that it is undefined despite its type.
    if (this.stopped || (this.core as RaftCore | undefined) === undefined) return;
    this.core.step(message);
    this.kick();
  }

  /** Replicates `data`; resolves with the state machine's result once applied here. */
  propose(data: string): Promise<unknown> {
    this.assertRunning();
    const { index, term } = this.core.propose(data);
    this.kick();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.proposals.delete(index);
        reject(new ProposalUnknownError(index, `not applied within ${this.o.proposalTimeoutMs} ms`, this.soft.leader));
      }, this.o.proposalTimeoutMs);
      this.proposals.set(index, { term, resolve, reject, timer });
    });
  }

  /**
   * A linearizable read point (ReadIndex): resolves once a quorum confirmed this
   * node's leader is still leader and the state machine has applied up to the
   * commit index of that moment. Reads of the state machine after it are
   * linearizable. Works on followers too (they ask the leader).
   */
  readIndex(): Promise<number> {
    this.assertRunning();
    const ctx = `${this.o.id}:${++this.readSeq}`;
    this.core.readIndex(ctx);
    this.kick();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        reject(new ReadTimeoutError(this.o.readTimeoutMs, this.soft.leader));
      }, this.o.readTimeoutMs);
      this.reads.set(ctx, { resolve, reject, timer });
    });
  }

  status(): RaftStatus & { snapshotIndex: number } {
    return { ...this.core.status(), snapshotIndex: this.snapshotIndex };
  }

  get isLeader(): boolean {
    return this.soft.role === 'leader';
  }

  get leader(): NodeId | null {
    return this.soft.leader;
  }

  /**
   * Hands leadership to the most caught-up follower and waits (up to
   * `timeoutMs`) until another node leads. Resolves false when it could not.
   */
  async transferLeadership(timeoutMs: number): Promise<boolean> {
    if (this.stopped || this.failure) return false;
    if (!this.isLeader) return true;
    const progress = this.core.status().progress ?? {};
    const target = Object.entries(progress)
      .filter(([id]) => id !== this.o.id)
      .sort(([, a], [, b]) => Number(b.recentActive) - Number(a.recentActive) || b.match - a.match)[0]?.[0];
    if (!target) return false;
    this.core.transferLeadership(target);
    this.kick();
    return this.waitFor(() => this.soft.leader !== null && this.soft.leader !== this.o.id, timeoutMs);
  }

  /** Calls `listener` on every role, term or leader change; returns the unsubscribe function. */
  subscribeSoftState(listener: (soft: SoftState) => void): () => void {
    const watcher = () => listener(this.soft);
    this.leaderWatchers.add(watcher);
    return () => this.leaderWatchers.delete(watcher);
  }

  /** Resolves true once `cond` holds (checked on every role change), false after `timeoutMs`. */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.leaderWatchers.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.leaderWatchers.delete(check);
        resolve(false);
      }, timeoutMs);
      this.leaderWatchers.add(check);
    });
  }

  /** Stops ticking, waits for the batch in progress, fails what is pending, closes storage. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    while (this.pumping) await new Promise((r) => setImmediate(r));
    this.failPending(new RaftStoppedError('shutting down'));
    // The last commit index, so a restart applies as far as it had; losing it would only cost a catch-up.
    if (this.unsyncedHardState && !this.failure)
      await this.o.storage.append([], this.unsyncedHardState).catch(() => undefined);
    await this.o.storage.close();
  }

  // ------------------------------------------------------------------ the loop

  private assertRunning(): void {
    if (this.failure) throw new RaftStoppedError(this.failure.message);
    if (this.stopped) throw new RaftStoppedError('shutting down');
  }

  /** Runs the Ready loop soon; inputs arriving meanwhile join the next batch (group commit). */
  private kick(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        while (!this.failure && this.core.hasReady()) {
          const rd = this.core.ready();
          await this.handle(rd);
          this.core.advance(rd);
        }
      } while (this.again && !this.failure);
      if (!this.failure && !this.stopped) await this.maybeSnapshot();
    } catch (err) {
      // A storage failure leaves this node unable to promise anything: stop it.
      this.failure = err as Error;
      this.o.logger.error(`raft ${this.o.id}: stopped after a fatal error: ${(err as Error).stack ?? err}`);
      clearInterval(this.ticker);
      this.failPending(new RaftStoppedError((err as Error).message));
    } finally {
      this.pumping = false;
      // Input that arrived during the snapshot write still needs a batch.
      if (this.again && !this.failure) this.kick();
    }
  }

  private async handle(rd: Ready): Promise<void> {
    // A leader's appends go out first: the followers write while we do (the core counts our
    // own entries only in advance(), once durable). Anything else is sent after step 1.
    if (rd.sendFirst) this.send(rd.messages);
    // 1. Durable first: nothing is promised to a peer before it is on disk.
    if (rd.snapshot) await this.o.storage.saveSnapshot(rd.snapshot);
    await this.persist(rd);
    // 2. Send, one batch per peer.
    if (!rd.sendFirst) this.send(rd.messages);
    // 3. Apply.
    if (rd.snapshot) this.restore(rd.snapshot.meta.index, rd.snapshot.data);
    for (const entry of rd.committedEntries) this.apply(entry);
    // 4. Reads and role.
    for (const rs of rd.readStates) this.confirmRead(rs.ctx, rs.index);
    this.releaseReads();
    if (rd.softState) this.onSoftState(rd.softState);
    if (rd.hardState) this.commit = rd.hardState.commit;
    this.o.observer?.onIndexes?.(this.commit, this.applied);
  }

  /**
   * Entries and hard state, with one fsync, when the Ready must be durable. A hard
   * state whose only change is the commit index is kept in memory and written with
   * the next synced batch (MustSync): an fsync per commit would double the disk
   * work on every follower and put a second fsync on the leader's critical path.
   */
  private async persist(rd: Ready): Promise<void> {
    if (!rd.mustSync) {
      if (rd.hardState) this.unsyncedHardState = rd.hardState;
      return;
    }
    const hardState = rd.hardState ?? this.unsyncedHardState;
    this.unsyncedHardState = undefined;
    if (rd.entries.length === 0 && hardState === undefined) return;
    const started = performance.now();
    await this.o.storage.append(rd.entries, hardState);
    this.o.observer?.onAppend?.((performance.now() - started) / 1000, rd.entries.length);
  }

  private send(messages: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const batch = byPeer.get(m.to);
      if (batch) batch.push(m);
      else byPeer.set(m.to, [m]);
    }
    for (const [to, batch] of byPeer) this.o.transport.send(to, batch);
  }

  private restore(index: number, data: string): void {
    this.o.stateMachine.restore(data);
    this.applied = this.snapshotIndex = index;
    // Proposals the snapshot jumped over may or may not be in it.
    for (const [i, p] of this.proposals) {
      if (i <= index)
        this.settle(i, p, () => p.reject(new ProposalUnknownError(i, 'superseded by a snapshot', this.soft.leader)));
    }
    this.o.observer?.onSnapshot?.(index);
  }

  private apply(entry: Entry): void {
    if (entry.index <= this.applied) return;
    const result = entry.type === 'normal' ? this.o.stateMachine.apply(entry) : undefined;
    this.applied = entry.index;
    const p = this.proposals.get(entry.index);
    if (!p) return;
    if (p.term === entry.term) this.settle(entry.index, p, () => p.resolve(result));
    else this.settle(entry.index, p, () => p.reject(new ProposalDroppedError(entry.index, this.soft.leader)));
  }

  private settle(index: number, p: Waiter<unknown>, fn: () => void): void {
    clearTimeout(p.timer);
    this.proposals.delete(index);
    fn();
  }

  private confirmRead(ctx: string, index: number): void {
    const w = this.reads.get(ctx);
    if (!w) return;
    clearTimeout(w.timer);
    this.reads.delete(ctx);
    this.readyReads.push({ index, resolve: w.resolve });
  }

  private releaseReads(): void {
    for (let i = this.readyReads.length - 1; i >= 0; i--) {
      const r = this.readyReads[i]!;
      if (r.index <= this.applied) {
        this.readyReads.splice(i, 1);
        r.resolve(r.index);
      }
    }
  }

  private onSoftState(soft: SoftState): void {
    const before = this.soft;
    this.soft = soft;
    if (before.leader !== soft.leader || before.role !== soft.role) {
      this.o.logger.log(`raft ${this.o.id}: ${soft.role} in term ${soft.term}, leader ${soft.leader ?? 'unknown'}`);
    }
    if (before.role === 'leader' && soft.role !== 'leader') this.failOnLeadershipLoss();
    this.o.observer?.onRole?.(soft.role, soft.term, soft.leader);
    for (const w of [...this.leaderWatchers]) w();
  }

  private async maybeSnapshot(): Promise<void> {
    if (this.applied - this.snapshotIndex < this.o.snapshotEntries) return;
    const index = this.applied;
    // Compact only what is both applied and durable; the core checks both.
    const snapshot = this.core.compact(index, this.o.stateMachine.snapshot());
    if (!snapshot) return;
    await this.o.storage.saveSnapshot(snapshot);
    this.snapshotIndex = index;
    this.o.observer?.onSnapshot?.(index);
    this.o.logger.log(`raft ${this.o.id}: snapshot at ${index}`);
  }

  /**
   * This node stopped leading: its pending proposals may still commit under
   * the next leader, or never (no quorum). Waiting out their timeout would only
   * delay the caller's retry, so they end now as unknown (retry with the same
   * request id), and pending reads as not-leader.
   */
  private failOnLeadershipLoss(): void {
    for (const [i, p] of this.proposals)
      this.settle(i, p, () => p.reject(new ProposalUnknownError(i, 'this node lost leadership', this.soft.leader)));
    for (const [ctx, w] of this.reads) {
      clearTimeout(w.timer);
      this.reads.delete(ctx);
      w.reject(new NotLeaderError(this.soft.leader));
    }
  }

  private failPending(err: Error): void {
    for (const [i, p] of this.proposals) this.settle(i, p, () => p.reject(err));
    for (const [ctx, w] of this.reads) {
      clearTimeout(w.timer);
      this.reads.delete(ctx);
      w.reject(err);
    }
  }
}
