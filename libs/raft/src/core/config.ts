// Construction options of RaftCore, and their validation: a node must refuse to
// start on a configuration or recovered state that could break safety.
import { RaftConfigError } from './errors.js';
import { EMPTY_HARD_STATE, type Entry, type HardState, type NodeId, type Snapshot } from './types.js';

export interface RaftOptions {
  readonly id: NodeId;
  /** Every voting member, this node included. Fixed: no membership changes. */
  readonly peers: readonly NodeId[];
  /** Recovered from disk; defaults to term 0, no vote, commit 0. */
  readonly hardState?: HardState;
  /** Recovered snapshot, if the log was ever compacted. */
  readonly snapshot?: Snapshot | null;
  /** Recovered entries following the snapshot, contiguous. */
  readonly entries?: readonly Entry[];
  /** Last index already applied to the state machine; defaults to the snapshot index. */
  readonly applied?: number;
  /** Election timeout is randomized in [electionTicks, 2 * electionTicks). Default 10. */
  readonly electionTicks?: number;
  /** Leader heartbeat period in ticks. Default 1. */
  readonly heartbeatTicks?: number;
  /** Pre-vote round before a real election (Raft thesis §9.6). Default true. */
  readonly preVote?: boolean;
  /** Leader steps down without quorum contact; followers in a lease ignore votes. Default true. */
  readonly checkQuorum?: boolean;
  /** Entries per AppendEntries message. Default 64. */
  readonly maxEntriesPerMsg?: number;
  /** Append messages in flight per follower while pipelining. Default 256. */
  readonly maxInflight?: number;
  /** Seeded source of uniform numbers in [0, 1): the core's only randomness. */
  readonly random: () => number;
}

export interface ResolvedOptions {
  readonly id: NodeId;
  readonly peers: readonly NodeId[];
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly applied: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxEntriesPerMsg: number;
  readonly maxInflight: number;
  readonly random: () => number;
}

function fail(key: string, problem: string): never {
  throw new RaftConfigError(`raft config: ${key} ${problem}`);
}

function posInt(key: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) fail(key, `must be a positive integer, got ${value}`);
  return value;
}

function natural(key: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) fail(key, `must be a non-negative integer, got ${value}`);
}

export function resolveOptions(o: RaftOptions): ResolvedOptions {
  if (typeof o.id !== 'string' || o.id === '') fail('id', 'must be a non-empty string');
  if (!Array.isArray(o.peers) || o.peers.length === 0) fail('peers', 'must be a non-empty list');
  if (new Set(o.peers).size !== o.peers.length) fail('peers', `has duplicates: ${o.peers.join(',')}`);
  if (o.peers.some((p) => typeof p !== 'string' || p === '')) fail('peers', 'must be non-empty strings');
  if (!o.peers.includes(o.id)) fail('peers', `must include this node's id ${o.id}`);
  if (typeof o.random !== 'function') fail('random', 'must be a function returning numbers in [0, 1)');

  const electionTicks = posInt('electionTicks', o.electionTicks ?? 10);
  const heartbeatTicks = posInt('heartbeatTicks', o.heartbeatTicks ?? 1);
  if (heartbeatTicks >= electionTicks) {
    fail('heartbeatTicks', `(${heartbeatTicks}) must be smaller than electionTicks (${electionTicks})`);
  }
  const maxEntriesPerMsg = posInt('maxEntriesPerMsg', o.maxEntriesPerMsg ?? 64);
  const maxInflight = posInt('maxInflight', o.maxInflight ?? 256);

  const hs = o.hardState ?? EMPTY_HARD_STATE;
  natural('hardState.term', hs.term);
  natural('hardState.commit', hs.commit);
  if (hs.vote !== null && !o.peers.includes(hs.vote)) fail('hardState.vote', `${hs.vote} is not a peer`);

  const snapshot = o.snapshot ?? null;
  const snapIndex = snapshot?.meta.index ?? 0;
  const snapTerm = snapshot?.meta.term ?? 0;
  if (snapshot !== null) {
    natural('snapshot.meta.index', snapIndex);
    natural('snapshot.meta.term', snapTerm);
    if (snapTerm > hs.term) fail('snapshot.meta.term', `(${snapTerm}) is above hardState.term (${hs.term})`);
  }

  const entries = o.entries ?? [];
  let prevTerm = snapTerm;
  entries.forEach((e, i) => {
    if (e.index !== snapIndex + 1 + i)
      fail('entries', `must be contiguous from ${snapIndex + 1}; found ${e.index} at ${i}`);
    if (e.term < prevTerm) fail('entries', `terms must not decrease (entry ${e.index})`);
    if (e.term > hs.term) fail('entries', `entry ${e.index} has term ${e.term} above hardState.term ${hs.term}`);
    prevTerm = e.term;
  });
  const lastIndex = snapIndex + entries.length;

  // An installed snapshot is committed even if the hard state was written before it.
  const commit = Math.max(hs.commit, snapIndex);
  if (commit > lastIndex) fail('hardState.commit', `(${commit}) is beyond the last log index ${lastIndex}`);
  const applied = o.applied ?? snapIndex;
  natural('applied', applied);
  if (applied < snapIndex || applied > commit) {
    fail('applied', `(${applied}) must be within [snapshot index ${snapIndex}, commit ${commit}]`);
  }

  return {
    id: o.id,
    peers: [...o.peers],
    hardState: { term: hs.term, vote: hs.vote, commit },
    snapshot,
    entries,
    applied,
    electionTicks,
    heartbeatTicks,
    preVote: o.preVote ?? true,
    checkQuorum: o.checkQuorum ?? true,
    maxEntriesPerMsg,
    maxInflight,
    random: o.random,
  };
}
