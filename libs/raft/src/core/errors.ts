// Typed errors the core throws at its caller. Everything else it throws is a bug
// or a broken contract (e.g. truncating a committed entry) and should crash.
import type { NodeId } from './types.js';

/** A proposal, ReadIndex or transfer reached a node that is not the leader. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  /** The leader this node currently follows, when it knows one: retry there. */
  readonly leaderId: NodeId | null;

  constructor(leaderId: NodeId | null) {
    super(leaderId === null ? 'not the leader; no leader known' : `not the leader; leader is ${leaderId}`);
    this.leaderId = leaderId;
  }
}

/** The leader is handing over to `transferee` and takes no proposals meanwhile. */
export class LeadershipTransferError extends Error {
  override readonly name = 'LeadershipTransferError';
  readonly transferee: NodeId;

  constructor(transferee: NodeId) {
    super(`leadership transfer to ${transferee} in progress; proposal dropped`);
    this.transferee = transferee;
  }
}

/** Invalid construction options or recovered state. */
export class RaftConfigError extends Error {
  override readonly name = 'RaftConfigError';
}
