import type { Entry } from '../core/types.js';

/**
 * What Raft replicates into. `apply` must be deterministic: every node applies
 * the same entries in the same order and must reach the same state. Its return
 * value goes back to the proposer of that entry (on the node that proposed it).
 */
export interface StateMachine {
  apply(entry: Entry): unknown;
  /** The whole state as a string, for a snapshot at the last applied index. */
  snapshot(): string;
  /** Replaces the whole state with a snapshot's. */
  restore(data: string): void;
}
