// The storage contract, shared by the file and memory implementations so both accept
// and reject exactly the same calls (and recovery accepts whatever append accepted).
import type { Entry, HardState, SnapshotMeta } from '../core/types.js';
import { StorageUsageError } from './errors.js';

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function checkEntryShape(e: Entry): void {
  if (!isCount(e.index) || e.index < 1)
    throw new StorageUsageError(`entry index must be an integer >= 1, got ${String(e.index)}`);
  if (!isCount(e.term))
    throw new StorageUsageError(`entry ${e.index}: term must be an integer >= 0, got ${String(e.term)}`);
  if (e.type !== 'normal' && e.type !== 'noop')
    throw new StorageUsageError(`entry ${e.index}: unknown type ${String(e.type)}`);
  if (typeof e.data !== 'string') throw new StorageUsageError(`entry ${e.index}: data must be a string`);
}

export function checkHardStateShape(hs: HardState): void {
  if (!isCount(hs.term)) throw new StorageUsageError(`hard state term must be an integer >= 0, got ${String(hs.term)}`);
  if (!isCount(hs.commit))
    throw new StorageUsageError(`hard state commit must be an integer >= 0, got ${String(hs.commit)}`);
  if (hs.vote !== null && typeof hs.vote !== 'string')
    throw new StorageUsageError('hard state vote must be a string or null');
}

/**
 * Returns why `next` may not follow `prev`, or null. Term never goes back and a vote,
 * once cast in a term, never changes: persisting either would let a node vote twice.
 */
export function hardStateTransitionProblem(prev: HardState, next: HardState): string | null {
  if (next.term < prev.term) return `term goes back from ${prev.term} to ${next.term}`;
  if (next.term === prev.term && prev.vote !== null && next.vote !== prev.vote) {
    return `vote in term ${next.term} changes from ${prev.vote} to ${String(next.vote)}`;
  }
  return null;
}

export function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function checkSnapshotMetaShape(meta: SnapshotMeta): void {
  if (!isCount(meta.index) || meta.index < 1)
    throw new StorageUsageError(`snapshot index must be an integer >= 1, got ${String(meta.index)}`);
  if (!isCount(meta.term))
    throw new StorageUsageError(`snapshot term must be an integer >= 0, got ${String(meta.term)}`);
  if (!Array.isArray(meta.peers) || !meta.peers.every((p) => typeof p === 'string')) {
    throw new StorageUsageError('snapshot peers must be an array of strings');
  }
}

/** What a snapshot does to the log behind it (Raft's InstallSnapshot rule). */
export type SnapshotMode =
  /** The log holds the snapshot's last entry with the same term: keep the entries after it. */
  | 'keep'
  /** The log is shorter or disagrees at that index: nothing in it is needed, drop it all. */
  | 'discard';

/**
 * Terms of the log after the snapshot: all the bookkeeping needed to validate appends
 * and snapshots without holding entry payloads in memory.
 */
export class LogTerms {
  private snapIndex = 0;
  private snapTerm = 0;
  /** terms[i] is the term of index snapIndex + 1 + i. */
  private terms: number[] = [];

  static from(snapIndex: number, snapTerm: number, entries: readonly Entry[]): LogTerms {
    const t = new LogTerms();
    t.snapIndex = snapIndex;
    t.snapTerm = snapTerm;
    t.terms = entries.map((e) => e.term);
    return t;
  }

  get snapshotIndex(): number {
    return this.snapIndex;
  }

  get lastIndex(): number {
    return this.snapIndex + this.terms.length;
  }

  get lastTerm(): number {
    return this.terms.length > 0 ? this.terms[this.terms.length - 1] : this.snapTerm;
  }

  /** Term at `index`, or undefined when compacted away or beyond the end. */
  termAt(index: number): number | undefined {
    if (index === this.snapIndex) return this.snapTerm;
    if (index < this.snapIndex || index > this.lastIndex) return undefined;
    return this.terms[index - this.snapIndex - 1];
  }

  /**
   * Validates a batch and returns the index from which the stored suffix is replaced
   * (null for a plain append). Throws StorageUsageError and changes nothing on a bad batch.
   */
  checkAppend(entries: readonly Entry[]): number | null {
    if (entries.length === 0) return null;
    entries.forEach(checkEntryShape);
    const first = entries[0];
    if (first.index <= this.snapIndex) {
      throw new StorageUsageError(
        `entry ${first.index} is at or below the snapshot index ${this.snapIndex}; compacted entries cannot be rewritten`,
      );
    }
    if (first.index > this.lastIndex + 1) {
      throw new StorageUsageError(`entry ${first.index} leaves a gap: the log ends at ${this.lastIndex}`);
    }
    const prevTerm = this.termAt(first.index - 1) ?? 0;
    if (first.term < prevTerm) {
      throw new StorageUsageError(
        `entry ${first.index} has term ${first.term}, below term ${prevTerm} of entry ${first.index - 1}`,
      );
    }
    for (let i = 1; i < entries.length; i++) {
      const [a, b] = [entries[i - 1], entries[i]];
      if (b.index !== a.index + 1)
        throw new StorageUsageError(`entries not contiguous: ${a.index} followed by ${b.index}`);
      if (b.term < a.term)
        throw new StorageUsageError(`entry ${b.index} has term ${b.term}, below term ${a.term} of entry ${a.index}`);
    }
    return first.index <= this.lastIndex ? first.index : null;
  }

  /** Call only after checkAppend accepted the same batch. */
  applyAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.terms.length = entries[0].index - this.snapIndex - 1;
    for (const e of entries) this.terms.push(e.term);
  }

  checkSnapshot(meta: SnapshotMeta): SnapshotMode {
    checkSnapshotMetaShape(meta);
    if (meta.index < this.snapIndex) {
      throw new StorageUsageError(`snapshot index ${meta.index} is older than the stored snapshot ${this.snapIndex}`);
    }
    if (meta.index === this.snapIndex && meta.term !== this.snapTerm) {
      throw new StorageUsageError(
        `snapshot at ${meta.index} has term ${meta.term} but the stored one has term ${this.snapTerm}`,
      );
    }
    return this.termAt(meta.index) === meta.term ? 'keep' : 'discard';
  }

  applySnapshot(meta: SnapshotMeta, mode: SnapshotMode): void {
    this.terms = mode === 'keep' ? this.terms.slice(meta.index - this.snapIndex) : [];
    this.snapIndex = meta.index;
    this.snapTerm = meta.term;
  }
}
