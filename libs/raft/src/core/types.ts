// Shared data types of the Raft library. The core (pure, no I/O), the storage
// (WAL, hard state, snapshots) and the driver (timers, transport) all speak these.
// Payloads are strings so that every message is plain JSON on the peer transport.

export type NodeId = string;

/** `noop` is the empty entry a new leader appends to commit earlier terms' entries. */
export type EntryType = 'normal' | 'noop';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Opaque command for the state machine (JSON text for the lock service). */
  readonly data: string;
}

/** What must be on disk before a node answers or sends anything. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SnapshotMeta {
  /** Index and term of the last entry the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** Voting members at that point. */
  readonly peers: readonly NodeId[];
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** State-machine image, opaque to Raft. */
  readonly data: string;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });
