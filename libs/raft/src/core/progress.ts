// The leader's view of one follower's log (etcd's tracker.Progress): probe one
// message at a time until the match point is found, then pipeline (replicate), or
// wait for a snapshot to land.
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: one append is outstanding; wait for its answer or a heartbeat reply. */
  probeSent = false;
  /** Snapshot state: index of the snapshot in flight. */
  pendingSnapshot = 0;
  /** Snapshot state: leader ticks since it was sent, to resend a lost one. */
  snapshotTicks = 0;
  /** Replicate state: consecutive heartbeat answers that saw no progress of match. */
  private stalledBeats = 0;
  private matchAtLastBeat = 0;
  /** Heard from within the current check-quorum window. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // Coming back from a snapshot, the follower holds at least the snapshot.
    const floor = this.state === 'snapshot' ? this.pendingSnapshot + 1 : 0;
    this.reset('probe');
    this.next = Math.max(this.match + 1, floor);
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** A success ack for `index`; returns whether match advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A reject of the append with prevIndex `rejected`; `hint` is the last index that
   * may match. Returns false for stale rejects (answers to messages already superseded).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1; // everything up to match is known to agree
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Called on each heartbeat answer; true once match stood still across two of them. */
  heartbeatStalled(): boolean {
    this.stalledBeats = this.match === this.matchAtLastBeat ? this.stalledBeats + 1 : 0;
    this.matchAtLastBeat = this.match;
    return this.stalledBeats >= 2;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Bookkeeping after sending an append whose last entry is `lastIndex` (null if empty). */
  sentEntries(lastIndex: number | null): void {
    if (this.state === 'replicate') {
      if (lastIndex !== null) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.stalledBeats = 0;
    this.inflights.reset();
  }
}
