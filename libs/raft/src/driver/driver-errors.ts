// Errors a proposal or read can end with, besides the core's NotLeaderError.

/**
 * The proposal may or may not have been committed: it timed out, or a snapshot
 * skipped past it. Retry with the same request id so the state machine can
 * deduplicate it.
 */
export class ProposalUnknownError extends Error {
  override readonly name = 'ProposalUnknownError';
  constructor(
    readonly index: number,
    reason: string,
    readonly leaderId: string | null,
  ) {
    super(`outcome of proposal ${index} unknown: ${reason}`);
  }
}

/** Another leader's entry took the proposal's index: it was not committed. Safe to retry. */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
  constructor(
    readonly index: number,
    readonly leaderId: string | null,
  ) {
    super(`proposal ${index} was dropped by a leader change`);
  }
}

/** A linearizable read could not be confirmed in time (no quorum, or leader change). */
export class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
  constructor(
    readonly timeoutMs: number,
    readonly leaderId: string | null,
  ) {
    super(`read not confirmed by a quorum within ${timeoutMs} ms`);
  }
}

/** The node is stopped or failed; it takes no more work. */
export class RaftStoppedError extends Error {
  override readonly name = 'RaftStoppedError';
  constructor(reason: string) {
    super(`raft node stopped: ${reason}`);
  }
}
