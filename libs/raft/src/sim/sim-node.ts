// One simulated server: a RaftCore, its durable store and its state machine. The
// core and the state machine are volatile (lost on crash); the store survives.
import {
  RaftCore,
  type Message,
  type NodeId,
  type ProposalReceipt,
  type RaftOptions,
  type ReadState,
  type Ready,
} from '../core/index.js';
import { SafetyChecker, SafetyViolation } from './checker.js';
import { DurableStore } from './durable-store.js';
import type { Prng } from '@dss/prng';
import { ListStateMachine } from './state-machine.js';

export type CoreTuning = Partial<
  Omit<RaftOptions, 'id' | 'peers' | 'random' | 'hardState' | 'snapshot' | 'entries' | 'applied'>
>;

export interface CompletedRead extends ReadState {
  /** Linearizability bound: the highest commit index anyone had reported when the read was issued. */
  readonly floor: number;
}

export class SimNode {
  core: RaftCore | null = null;
  readonly store = new DurableStore();
  sm = new ListStateMachine();
  /** Times this node was (re)started. */
  incarnation = 0;
  readonly completedReads: CompletedRead[] = [];
  private pendingReads = new Map<string, number>();
  /**
   * Virtual ms a synced write takes. While it runs the node keeps receiving
   * messages but handles no other Ready (the driver's loop); a crash meanwhile
   * loses the write. 0: writes are instant.
   */
  diskMs = 0;
  /** Asked after each durable write and before its messages go out: true crashes the node there. */
  crashAfterWrite: () => boolean = () => false;
  /** The Ready whose write is in progress, and when it completes. */
  private writing: { readonly rd: Ready; readonly doneAt: number } | null = null;

  constructor(
    readonly id: NodeId,
    private readonly peers: readonly NodeId[],
    private readonly tuning: CoreTuning,
    private readonly rng: Prng,
    private readonly checker: SafetyChecker,
  ) {}

  get alive(): boolean {
    return this.core !== null;
  }

  /** Boots from whatever the store holds (a fresh node boots from nothing). */
  start(): void {
    if (this.core !== null) throw new Error(`${this.id} is already running`);
    const { hardState, snapshot, entries } = this.store;
    this.sm = new ListStateMachine();
    if (snapshot !== null) this.sm.restore(snapshot);
    this.core = new RaftCore({
      ...this.tuning,
      id: this.id,
      peers: this.peers,
      hardState,
      snapshot,
      entries,
      applied: snapshot?.meta.index ?? 0,
      random: this.rng.fork().asRandom(),
    });
    this.incarnation++;
  }

  /** Drops everything volatile: the core, its unpersisted state, the state machine, pending reads. */
  crash(): void {
    this.core = null;
    this.writing = null;
    this.pendingReads = new Map();
  }

  /** A synced write of this node is in progress (sent-first messages may already be out). */
  get writeInProgress(): boolean {
    return this.writing !== null;
  }

  requireCore(): RaftCore {
    if (this.core === null) throw new Error(`${this.id} is down`);
    return this.core;
  }

  isLeader(): boolean {
    return this.core !== null && this.core.status().role === 'leader';
  }

  /** Proposes if leader; null otherwise (the error is the core's business, tested elsewhere). */
  tryPropose(data: string): ProposalReceipt | null {
    if (!this.isLeader()) return null;
    try {
      return this.requireCore().propose(data);
    } catch {
      return null; // leadership transfer in progress
    }
  }

  /** Issues a ReadIndex; returns false if no leader is known. */
  tryRead(ctx: string): boolean {
    try {
      this.requireCore().readIndex(ctx);
      this.pendingReads.set(ctx, this.checker.maxCommit);
      return true;
    } catch {
      return false;
    }
  }

  /** Snapshots the state machine at its applied index and compacts the log behind it. */
  compact(): boolean {
    const core = this.requireCore();
    if (core.hasReady() || this.writing !== null) return false; // only between Ready cycles
    const snapshot = core.compact(this.sm.lastApplied, this.sm.snapshotData());
    if (snapshot === null) return false;
    this.store.saveSnapshot(snapshot);
    return true;
  }

  /**
   * Persist, send, apply, advance: the order the Ready contract demands, as the
   * driver does it. A leader's Ready marked sendFirst sends before its write; a
   * write that must sync takes `diskMs`, during which this node handles no other
   * Ready and may crash; a hard state that changed only its commit index is not
   * written at all (the most a node may lose of it).
   */
  handleReady(now: number, send: (m: Message) => void, leaders: () => ReadonlyArray<[NodeId, RaftCore]>): void {
    const core = this.core;
    if (core === null) return;
    if (this.writing !== null) {
      if (now < this.writing.doneAt) return;
      const { rd } = this.writing;
      this.writing = null;
      this.finish(core, rd, send, leaders);
      return;
    }
    if (!core.hasReady()) return;
    const rd: Ready = core.ready();
    if (rd.softState !== null) this.checker.onSoftState(this.id, rd.softState, core);
    if (rd.entries.length > 0) this.checker.onEntriesWritten(this.id, rd.entries, core);
    if (rd.hardState !== null) this.checker.onCommit(rd.hardState.commit, rd.hardState.term);
    if (rd.sendFirst) for (const m of rd.messages) send(m);
    if (rd.mustSync && this.diskMs > 0) {
      this.writing = { rd, doneAt: now + this.diskMs };
      return;
    }
    this.finish(core, rd, send, leaders);
  }

  private finish(
    core: RaftCore,
    rd: Ready,
    send: (m: Message) => void,
    leaders: () => ReadonlyArray<[NodeId, RaftCore]>,
  ): void {
    this.store.persist(rd);
    if (rd.mustSync && this.crashAfterWrite()) {
      this.crash(); // durable, but nobody heard of it
      return;
    }
    if (!rd.sendFirst) for (const m of rd.messages) send(m);
    if (rd.snapshot !== null) {
      this.checker.onSnapshotApplied(this.id, rd.snapshot);
      this.sm.restore(rd.snapshot);
    }
    for (const e of rd.committedEntries) {
      this.checker.onApply(this.id, e, leaders());
      this.sm.apply(e);
    }
    for (const rs of rd.readStates) {
      const floor = this.pendingReads.get(rs.ctx);
      if (floor === undefined) continue; // a duplicate answer, or from before a crash
      this.pendingReads.delete(rs.ctx);
      if (rs.index < floor) {
        throw new SafetyViolation(
          `linearizable read: ${this.id} read ${rs.ctx} at ${rs.index}, but ${floor} was committed before it was issued`,
        );
      }
      this.completedReads.push({ ...rs, floor });
    }
    core.advance(rd);
  }
}
