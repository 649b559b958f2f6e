// What the core hands the driver after each batch of input (etcd's Ready).
import type { Message } from './messages.js';
import type { Entry, HardState, NodeId, Snapshot } from './types.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state, reported when it changes; never needs persisting. */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly term: number;
}

/** A ReadIndex answer: once `applied >= index`, a read tagged `ctx` is linearizable. */
export interface ReadState {
  readonly ctx: string;
  readonly index: number;
}

/**
 * Handle in this order, then call advance(ready):
 * 1. persist `snapshot` (replacing the whole stored log) and `entries` (dropping the
 *    stored tail from entries[0].index on), and `hardState`; durably (fsync) when
 *    `mustSync`, otherwise the hard state may be kept in memory and written with the
 *    next synced batch;
 * 2. send `messages`: only now, since they may promise what step 1 wrote, unless
 *    `sendFirst`, when they may go out before or while step 1 runs;
 * 3. restore the state machine from `snapshot`, then apply `committedEntries`;
 * 4. serve `readStates` once applied >= their index.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  /**
   * Step 1 must be durable before advance(): new entries, a snapshot, or a new term
   * or vote. A hard state whose only change is the commit index need not be: the
   * commit can always be learned again from the log and the leader (etcd's MustSync).
   */
  readonly mustSync: boolean;
  /**
   * The messages promise nothing about this node's disk: a leader's appends,
   * heartbeats, snapshots and read answers, in a Ready that changes neither term
   * nor vote. The leader counts its own entries towards a quorum only in advance(),
   * once they are durable, so its disk write can run in parallel with the
   * followers' (Raft thesis §10.2.1).
   */
  readonly sendFirst: boolean;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}
