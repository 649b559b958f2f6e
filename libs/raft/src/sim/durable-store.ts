// What a node has on "disk": exactly what Ready told it to persist and nothing
// else, so a crash (dropping the core) loses precisely the unpersisted state.
import type { Entry, HardState, Ready, Snapshot } from '../core/index.js';
import { EMPTY_HARD_STATE } from '../core/index.js';

export class DurableStore {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  /** Step 1 of handling a Ready. */
  persist(rd: Ready): void {
    if (rd.snapshot !== null) {
      // An installed snapshot replaces the whole log (stale entries must not come back on restart).
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      const base = (this.snapshot?.meta.index ?? 0) + 1;
      if (first < base || first > base + this.entries.length) {
        throw new Error(
          `store: entries starting at ${first} do not fit a log of ${base}..${base + this.entries.length - 1}`,
        );
      }
      this.entries.length = first - base;
      this.entries.push(...rd.entries);
    }
    // A commit-only change is not synced (Ready.mustSync): model the worst case, never written.
    if (rd.hardState !== null && rd.mustSync) this.hardState = rd.hardState;
  }

  /** The node compacted its log behind `snapshot`. */
  saveSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = this.entries.filter((e) => e.index > snapshot.meta.index);
  }
}
