// Wire messages of the Raft core. A discriminated union on `type`; every field
// is a plain JSON value so the driver can send them over any transport as-is.
import type { Entry, NodeId, Snapshot } from './types.js';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** Sender's term (for requests forwarded by followers, see ReadIndexRequest). */
  readonly term: number;
}

/** AppendEntries; with no entries it still carries the commit index and probes the log. */
export interface AppendMessage extends Envelope {
  readonly type: 'app';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Answer to AppendEntries or InstallSnapshot. On success `index` is the last index
 * now known to match the leader. On reject `index` is the rejected prevIndex and
 * (conflictIndex, conflictTerm) is the follower's hint: its last entry at or
 * below min(prevIndex, lastIndex) whose term is <= the leader's prevTerm, so the
 * leader can skip a whole divergent term per round trip (Raft paper §5.3).
 */
export interface AppendResponse extends Envelope {
  readonly type: 'appResp';
  readonly index: number;
  readonly reject: boolean;
  readonly conflictIndex: number;
  readonly conflictTerm: number;
}

/** RequestVote, or its pre-vote dry run (term = candidate's term + 1, nobody changes term). */
export interface VoteRequest extends Envelope {
  readonly type: 'vote' | 'preVote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when the campaign was forced by TimeoutNow: overrides the voters' leader lease. */
  readonly transfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

/** Leader liveness + commit propagation; `ctx` is the newest pending ReadIndex round, if any. */
export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly ctx: string | null;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResp';
  readonly ctx: string | null;
}

/** InstallSnapshot, whole (no chunking). */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** Leadership transfer: tells an up-to-date follower to campaign at once. */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeoutNow';
}

/**
 * A follower forwarding a ReadIndex request to its leader. Like etcd's MsgReadIndex
 * it has no authority on terms: receivers never change term because of it.
 */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'readIndex';
  readonly ctx: string;
}

export interface ReadIndexResponse extends Envelope {
  readonly type: 'readIndexResp';
  readonly ctx: string;
  readonly index: number;
}

export type Message =
  | AppendMessage
  | AppendResponse
  | VoteRequest
  | VoteResponse
  | HeartbeatMessage
  | HeartbeatResponse
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message['type'];
