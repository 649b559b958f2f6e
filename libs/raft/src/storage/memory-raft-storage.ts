// In-memory RaftStorage for tests of the core and driver. It enforces the same contract
// as FileRaftStorage (shared log-rules). Its "disk" is a separate object, so a simulated
// crash is: drop the storage, build a new one on the same disk, open() again.
import type { Entry, HardState, Snapshot } from '../core/types.js';
import { EMPTY_HARD_STATE } from '../core/types.js';
import { StorageUsageError } from './errors.js';
import { checkHardStateShape, hardStateTransitionProblem, LogTerms } from './log-rules.js';
import type { RaftStorage, RecoveredState, StorageStats } from './raft-storage.js';

/** What survives a simulated crash. Every accepted call lands here at once (always durable). */
export class MemoryStorageDisk {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | null = null;
  /** Entries after the snapshot index. */
  entries: Entry[] = [];
}

export class MemoryRaftStorage implements RaftStorage {
  private phase: 'new' | 'open' | 'closed' = 'new';
  private terms = new LogTerms();
  private appends = 0;

  constructor(readonly disk: MemoryStorageDisk = new MemoryStorageDisk()) {}

  open(): Promise<RecoveredState> {
    if (this.phase !== 'new')
      return Promise.reject(new StorageUsageError(`open() called on a storage that is ${this.phase}`));
    this.phase = 'open';
    const { snapshot, entries, hardState } = this.disk;
    this.terms = LogTerms.from(snapshot?.meta.index ?? 0, snapshot?.meta.term ?? 0, entries);
    return Promise.resolve({ hardState, snapshot: cloneSnapshot(snapshot), entries: [...entries] });
  }

  append(entries: readonly Entry[], hardState?: HardState): Promise<void> {
    try {
      this.assertOpen();
      this.terms.checkAppend(entries);
      if (hardState !== undefined) {
        checkHardStateShape(hardState);
        const problem = hardStateTransitionProblem(this.disk.hardState, hardState);
        if (problem !== null) throw new StorageUsageError(`hard state rejected: ${problem}`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    this.terms.applyAppend(entries);
    if (entries.length > 0) {
      const keep = entries[0].index - this.terms.snapshotIndex - 1;
      this.disk.entries = [...this.disk.entries.slice(0, keep), ...entries.map((e) => ({ ...e }))];
    }
    if (hardState !== undefined) this.disk.hardState = { ...hardState };
    this.appends++;
    return Promise.resolve();
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    try {
      this.assertOpen();
      const mode = this.terms.checkSnapshot(snapshot.meta);
      const drop = snapshot.meta.index - this.terms.snapshotIndex;
      this.disk.entries = mode === 'keep' ? this.disk.entries.slice(drop) : [];
      this.disk.snapshot = cloneSnapshot(snapshot);
      this.terms.applySnapshot(snapshot.meta, mode);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): Promise<void> {
    this.phase = 'closed';
    return Promise.resolve();
  }

  stats(): StorageStats {
    return {
      appends: this.appends,
      walFsyncs: 0,
      walFsyncSeconds: 0,
      bytesWritten: 0,
      segments: 0,
      snapshotIndex: this.terms.snapshotIndex,
      lastIndex: this.terms.lastIndex,
    };
  }

  private assertOpen(): void {
    if (this.phase !== 'open') throw new StorageUsageError(`storage is ${this.phase}, not open`);
  }
}

function cloneSnapshot(s: Snapshot | null): Snapshot | null {
  return s === null ? null : { meta: { ...s.meta, peers: [...s.meta.peers] }, data: s.data };
}
