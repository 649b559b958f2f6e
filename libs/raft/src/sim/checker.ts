// Raft's safety properties (Figure 3 of the paper), checked incrementally as the
// simulation runs; a violation throws at once, naming the node and the evidence.
import type { Entry, NodeId, RaftCore, Snapshot, SoftState } from '../core/index.js';
import { ListStateMachine } from './state-machine.js';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

interface CommittedEntry {
  readonly term: number | null; // null when learned from a snapshot (terms not recorded there)
  readonly data: string | null; // null for no-ops
}

export class SafetyChecker {
  /** Election safety: the one leader of each term, over the whole history. */
  readonly leaderOfTerm = new Map<number, NodeId>();
  /** Everything applied anywhere, by index: what every node must apply there. */
  readonly committed = new Map<number, CommittedEntry>();
  /** Log matching: (index, term) -> (previous term, content), for every entry ever written to a log. */
  private readonly written = new Map<string, string>();
  /** Highest commit index any node ever reported. */
  maxCommit = 0;
  /**
   * The term in which each index was first committed, as ranges: indexes
   * (previous upTo, upTo] were committed in `term`. A leader commits before any
   * follower hears of it, so the first node to report an index committed is
   * the leader that committed it, and its term is the commit's term.
   */
  private readonly commitTerms: { readonly upTo: number; readonly term: number }[] = [];
  maxAppliedIndex = 0;

  onSoftState(id: NodeId, soft: SoftState, core: RaftCore): void {
    if (soft.role !== 'leader') return;
    const prev = this.leaderOfTerm.get(soft.term);
    if (prev !== undefined && prev !== id) {
      throw new SafetyViolation(`election safety: ${prev} and ${id} both leaders in term ${soft.term}`);
    }
    this.leaderOfTerm.set(soft.term, id);
    this.checkLeaderHolds(id, core, soft.term, this.committed.keys());
  }

  /** Every entry that reaches a log passes through Ready.entries: check it matches its twins. */
  onEntriesWritten(id: NodeId, entries: readonly Entry[], core: RaftCore): void {
    for (const e of entries) {
      // Same (index, term) must mean same content and same predecessor term; by
      // induction that makes the whole prefixes equal (the Log Matching property).
      const value = `${core.logTerm(e.index - 1) ?? '?'}|${e.type}|${e.data}`;
      const key = `${e.index}/${e.term}`;
      const seen = this.written.get(key);
      if (seen === undefined) this.written.set(key, value);
      else if (seen !== value) {
        throw new SafetyViolation(`log matching: ${id} wrote (${key}) as ${value}, elsewhere ${seen}`);
      }
    }
  }

  /** A node's hard state: its commit index, in its current term. */
  onCommit(commit: number, term: number): void {
    if (commit <= this.maxCommit) return;
    this.commitTerms.push({ upTo: commit, term });
    this.maxCommit = commit;
  }

  /** The term in which `index` was first committed (an upper bound if it was learned otherwise). */
  commitTermOf(index: number): number {
    // Binary search: the ranges are pushed in increasing `upTo`.
    let [lo, hi] = [0, this.commitTerms.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.commitTerms[mid]!.upTo >= index) hi = mid;
      else lo = mid + 1;
    }
    // Past every reported commit (learned from a snapshot): binds no leader.
    return this.commitTerms[lo]?.term ?? Infinity;
  }

  /** State-machine safety: nobody applies something else at an index. */
  onApply(id: NodeId, e: Entry, leaders: ReadonlyArray<[NodeId, RaftCore]>): void {
    const data = e.type === 'normal' ? e.data : null;
    const prev = this.committed.get(e.index);
    if (prev === undefined) {
      this.committed.set(e.index, { term: e.term, data });
      if (e.index > this.maxAppliedIndex) this.maxAppliedIndex = e.index;
      // Leader completeness binds the leaders of terms after the one the entry was committed
      // in, not after the entry's own term: an entry of term 1 may first commit under the
      // leader of term 4, while a stale leader of term 2, cut off in a minority, lacks it.
      const committedIn = this.commitTermOf(e.index);
      for (const [lid, core] of leaders) {
        const term = core.status().term;
        if (term > committedIn) this.checkLeaderHolds(lid, core, term, [e.index]);
      }
      return;
    }
    if (prev.data !== data || (prev.term !== null && prev.term !== e.term)) {
      throw new SafetyViolation(
        `state machine safety: ${id} applied ${JSON.stringify(e)} at ${e.index}, another node applied ${JSON.stringify(prev)}`,
      );
    }
    if (prev.term === null) this.committed.set(e.index, { term: e.term, data });
  }

  /** A snapshot restored into a state machine must agree with everything applied elsewhere. */
  onSnapshotApplied(id: NodeId, s: Snapshot): void {
    const cmds = new Map(ListStateMachine.decode(s.data).map((c) => [c.index, c.data]));
    for (const [index, data] of cmds) {
      if (index > s.meta.index) throw new SafetyViolation(`${id}: snapshot at ${s.meta.index} holds index ${index}`);
      const prev = this.committed.get(index);
      if (prev === undefined) this.committed.set(index, { term: null, data });
      else if (prev.data !== data) {
        throw new SafetyViolation(`state machine safety: ${id} restored ${data} at ${index}, elsewhere ${prev.data}`);
      }
    }
    for (const [index, c] of this.committed) {
      if (index <= s.meta.index && c.data !== null && cmds.get(index) !== c.data) {
        throw new SafetyViolation(`state machine safety: ${id}'s snapshot at ${s.meta.index} lacks ${c.data}@${index}`);
      }
    }
    if (s.meta.index > this.maxAppliedIndex) this.maxAppliedIndex = s.meta.index;
  }

  private checkLeaderHolds(id: NodeId, core: RaftCore, term: number, indexes: Iterable<number>): void {
    const first = core.status().firstIndex;
    for (const index of indexes) {
      if (index < first) continue; // inside its snapshot, which holds only committed state
      const c = this.committed.get(index);
      if (c === undefined) continue;
      const got = core.logEntries(index, index + 1)?.[0];
      const gotData = got === undefined ? undefined : got.type === 'normal' ? got.data : null;
      if (got === undefined || gotData !== c.data || (c.term !== null && got.term !== c.term)) {
        throw new SafetyViolation(
          `leader completeness: ${id}, leader of term ${term}, has ${JSON.stringify(got)} at committed index ${index} (${JSON.stringify(c)})`,
        );
      }
    }
  }
}
