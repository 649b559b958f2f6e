// ReadIndex rounds pending on the leader: each remembers the commit index at the
// time of the request and which peers have since acknowledged leadership for it.
import type { NodeId } from './types.js';

export interface ReadRequest {
  readonly ctx: string;
  /** Requesting node (the leader itself for local reads). */
  readonly from: NodeId;
  /** Leader's commit index when the request arrived. */
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadRequest>();
  private queue: string[] = [];

  /** Returns false for a ctx already pending (the caller retried). */
  add(ctx: string, from: NodeId, index: number): boolean {
    if (this.pending.has(ctx)) return false;
    this.pending.set(ctx, { ctx, from, index, acks: new Set() });
    this.queue.push(ctx);
    return true;
  }

  recvAck(ctx: string, from: NodeId): number {
    const req = this.pending.get(ctx);
    if (req === undefined) return 0;
    req.acks.add(from);
    return req.acks.size;
  }

  /**
   * A quorum confirmed `ctx`; it also confirms every earlier request, since their
   * heartbeats were sent before. Returns them in order, ctx's included.
   */
  advance(ctx: string): ReadRequest[] {
    const at = this.queue.indexOf(ctx);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((c) => {
      const req = this.pending.get(c) as ReadRequest;
      this.pending.delete(c);
      return req;
    });
  }

  /** The newest pending round, piggybacked on periodic heartbeats so lost ones retry. */
  lastPendingCtx(): string | null {
    return this.queue.length === 0 ? null : this.queue[this.queue.length - 1];
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
