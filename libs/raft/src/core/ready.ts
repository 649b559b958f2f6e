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
 *    stored tail from entries[0].index on), and `hardState`, durably;
 * 2. send `messages` (only now: they may promise what step 1 wrote);
 * 3. restore the state machine from `snapshot`, then apply `committedEntries`;
 * 4. serve `readStates` once applied >= their index.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}
