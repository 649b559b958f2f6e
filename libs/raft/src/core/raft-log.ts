// The log as the core sees it: an optional snapshot followed by entries, plus the
// watermarks that drive Ready: what is durable (stable), committed and applied.
// The driver owns the disk; this mirror lets the core answer without I/O.
import type { Entry, NodeId, Snapshot } from './types.js';

export class RaftLog {
  /** Latest snapshot (installed or produced by compact), served to lagging followers. */
  snapshot: Snapshot | null;
  /** Snapshot accepted from the leader that the driver has not yet persisted and applied. */
  pendingSnapshot: Snapshot | null = null;
  committed: number;
  applied: number;
  /** Entries up to here are on disk; later ones go out in the next Ready. */
  stable: number;

  private snapIndex: number;
  private snapTerm: number;
  /** ents[i].index === snapIndex + 1 + i. */
  private ents: Entry[];

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.snapIndex = snapshot?.meta.index ?? 0;
    this.snapTerm = snapshot?.meta.term ?? 0;
    this.ents = [...entries];
    this.committed = committed;
    this.applied = applied;
    this.stable = this.lastIndex();
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }

  lastIndex(): number {
    return this.snapIndex + this.ents.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term at `index`; undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapIndex) return this.snapTerm;
    if (index < this.snapIndex || index > this.lastIndex()) return undefined;
    return this.ents[index - this.snapIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Entries [lo, hi) capped at `max`; undefined when lo is compacted away. */
  slice(lo: number, hi: number = this.lastIndex() + 1, max = Infinity): Entry[] | undefined {
    if (lo <= this.snapIndex) return undefined;
    const end = Math.min(hi, this.lastIndex() + 1, lo + max);
    if (end <= lo) return [];
    return this.ents.slice(lo - this.snapIndex - 1, end - this.snapIndex - 1);
  }

  /** §5.4.1: is a candidate's log at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with its term; the point
   * where two logs may still agree. Compacted indexes answer term 0 (unknown).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /**
   * Follower side of AppendEntries. Returns the last index now known to match the
   * leader, or null when prevIndex/prevTerm do not match. Only a conflicting suffix
   * is replaced: entries we already have are kept, so a stale, shorter message can
   * never truncate newer ones.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = entries.find((e) => !this.matchTerm(e.index, e.term));
    if (conflict !== undefined) this.append(entries.slice(conflict.index - prevIndex - 1));
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends, truncating any tail from entries[0].index on. Never touches committed entries. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const after = entries[0].index;
    if (after <= this.committed) {
      throw new Error(`raft: refusing to overwrite committed entry ${after} (committed ${this.committed})`);
    }
    if (after > this.lastIndex() + 1) throw new Error(`raft: gap appending ${after} after ${this.lastIndex()}`);
    this.ents.length = after - this.snapIndex - 1;
    this.ents.push(...entries);
    this.stable = Math.min(this.stable, after - 1);
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) throw new Error(`raft: commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Leader commit rule (§5.4.2): only an entry of the current term commits by counting. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  unstableEntries(): Entry[] {
    return this.ents.slice(this.stable - this.snapIndex);
  }

  /** Committed entries not yet applied; none while an installed snapshot awaits applying. */
  nextCommittedEntries(): Entry[] {
    if (this.pendingSnapshot !== null || this.committed <= this.applied) return [];
    return this.slice(this.applied + 1, this.committed + 1) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    return this.pendingSnapshot === null && this.committed > this.applied;
  }

  /** The driver persisted up to (index, term); ignored if that entry was replaced since. */
  stableTo(index: number, term: number): void {
    if (index > this.stable && this.matchTerm(index, term)) this.stable = index;
  }

  appliedTo(index: number): void {
    if (index > this.committed) throw new Error(`raft: applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  /** Replaces the whole log by a snapshot from the leader (follower, not yet durable). */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.snapIndex = snapshot.meta.index;
    this.snapTerm = snapshot.meta.term;
    this.ents = [];
    this.committed = snapshot.meta.index;
    this.stable = snapshot.meta.index;
  }

  /** The driver persisted and applied a restored snapshot. */
  snapshotApplied(snapshot: Snapshot): void {
    if (this.pendingSnapshot === snapshot) this.pendingSnapshot = null;
    if (snapshot.meta.index > this.applied) this.applied = snapshot.meta.index;
  }

  /** Drops entries up to `index` (already applied and durable) behind a new snapshot. */
  compact(index: number, data: string, peers: readonly NodeId[]): Snapshot {
    const term = this.term(index);
    if (term === undefined) throw new Error(`raft: cannot compact at ${index}: not in the log`);
    const snapshot: Snapshot = { meta: { index, term, peers: [...peers] }, data };
    this.ents = this.ents.slice(index - this.snapIndex);
    this.snapIndex = index;
    this.snapTerm = term;
    this.snapshot = snapshot;
    return snapshot;
  }
}
