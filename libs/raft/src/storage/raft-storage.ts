// The contract between the Raft driver and its durable storage.
import type { Entry, HardState, Snapshot } from '../core/types.js';

/** What a node finds on disk when it starts. */
export interface RecoveredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot's index (or from 1), contiguous, terms non-decreasing. */
  readonly entries: Entry[];
}

/** Which sync a latency sample measures. `wal` is the group-commit fdatasync of appends. */
export type FsyncKind = 'wal' | 'segment' | 'snapshot' | 'dir';

export type StorageLogLevel = 'info' | 'warn';
/** Injected logger: recovery actions (torn tail truncated, temp files removed) go here. */
export type StorageLogger = (level: StorageLogLevel, message: string) => void;

export interface StorageStats {
  /** append() calls accepted so far. */
  readonly appends: number;
  /** Group-commit fdatasyncs of the WAL (one per batch of coalesced appends). */
  readonly walFsyncs: number;
  readonly walFsyncSeconds: number;
  readonly bytesWritten: number;
  readonly segments: number;
  readonly snapshotIndex: number;
  readonly lastIndex: number;
}

export interface RaftStorage {
  /** Loads (and on first use creates) the state. Call once, before anything else. */
  open(): Promise<RecoveredState>;
  /**
   * Appends entries (replacing the stored suffix from entries[0].index if it overlaps)
   * and the hard state. Resolves only once both are durable. Calls take effect in call
   * order; a call rejected with StorageUsageError changed nothing. An empty call is a
   * durability barrier for everything issued before it.
   */
  append(entries: readonly Entry[], hardState?: HardState): Promise<void>;
  /**
   * Durably stores the snapshot, then drops log entries up to its index. If the log does
   * not hold the snapshot's last entry with the same term, the whole log is dropped
   * (Raft's InstallSnapshot rule).
   */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** Waits for pending writes, then releases files. Later calls reject. */
  close(): Promise<void>;
  stats(): StorageStats;
}
