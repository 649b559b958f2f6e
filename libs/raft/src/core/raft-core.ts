// The Raft state machine, modelled on etcd-io/raft: pure and deterministic. Input
// arrives through tick(), step(), propose(), readIndex(), transferLeadership() and
// compact(); output leaves only through ready()/advance(). No I/O, no clock, and
// randomness only from the injected PRNG, so a seed replays a run exactly.
import { resolveOptions, type RaftOptions, type ResolvedOptions } from './config.js';
import { LeadershipTransferError, NotLeaderError, RaftConfigError } from './errors.js';
import type {
  AppendMessage,
  AppendResponse,
  HeartbeatMessage,
  HeartbeatResponse,
  Message,
  ReadIndexRequest,
  SnapshotMessage,
  VoteRequest,
  VoteResponse,
} from './messages.js';
import { Progress, type ProgressState } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import type { ReadState, Ready, Role, SoftState } from './ready.js';
import type { Entry, HardState, NodeId, Snapshot } from './types.js';

/** Where a proposal landed; it is committed once an entry with this index and term is applied. */
export interface ProposalReceipt {
  readonly index: number;
  readonly term: number;
}

/** Read-only view of a follower's replication state, as the leader sees it. */
export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly leadTransferee: NodeId | null;
  /** Leader only. */
  readonly progress: Readonly<Record<NodeId, ProgressStatus>> | null;
}

type CampaignKind = 'pre' | 'election' | 'transfer';
type PollResult = 'won' | 'lost' | 'pending';

interface PendingRead {
  readonly from: NodeId;
  readonly ctx: string;
}

export class RaftCore {
  readonly id: NodeId;
  private readonly cfg: ResolvedOptions;
  private readonly peers: readonly NodeId[];
  private readonly quorum: number;
  private readonly log: RaftLog;

  private term: number;
  private vote: NodeId | null;
  private lead: NodeId | null = null;
  private role: Role = 'follower';

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  private readonly votes = new Map<NodeId, boolean>();
  private progress = new Map<NodeId, Progress>();
  private leadTransferee: NodeId | null = null;
  private readonly readOnly = new ReadOnly();
  /** ReadIndex requests waiting for the first commit of this leader's term. */
  private pendingReads: PendingRead[] = [];

  private readonly msgs: Message[] = [];
  private readonly readStates: ReadState[] = [];
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(options: RaftOptions) {
    this.cfg = resolveOptions(options);
    this.id = this.cfg.id;
    this.peers = this.cfg.peers;
    this.quorum = Math.floor(this.peers.length / 2) + 1;
    const hs = this.cfg.hardState;
    this.log = new RaftLog(this.cfg.snapshot, this.cfg.entries, hs.commit, this.cfg.applied);
    this.term = hs.term;
    this.vote = hs.vote;
    this.becomeFollower(this.term, null);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  // ---------------------------------------------------------------- inputs

  /** One logical clock tick; the driver calls it at a fixed real-time interval. */
  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Feeds one message from a peer. Messages not addressed to this node are ignored. */
  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id || !this.peers.includes(m.from)) return;
    // A forwarded ReadIndex says nothing about terms (the follower may lag); see messages.ts.
    if (m.type === 'readIndex') {
      this.handleReadIndex(m);
      return;
    }
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'preVote') && !m.transfer && this.inLease()) {
        // Leader lease: we heard from a live leader within the minimum election
        // timeout, so this candidate is disruptive (e.g. a returning partitioned node).
        return;
      }
      if (m.type === 'preVote') {
        // Pre-votes never change the receiver's term.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the future term; we adopt it only if we win.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // A stale leader: our higher term makes it step down. Without this, a node
        // whose term rose while partitioned could never rejoin (pre-vote keeps it
        // from winning, lease keeps others from listening).
        this.send({ type: 'appResp', ...this.env(m.from), index: 0, reject: false, conflictIndex: 0, conflictTerm: 0 });
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', ...this.env(m.from), reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  /**
   * Appends a command on the leader. Throws NotLeaderError elsewhere and
   * LeadershipTransferError while handing over. The command is committed once an
   * entry with the returned index *and term* is applied; if the applied entry at
   * that index has another term, the proposal was lost and may be retried.
   */
  propose(data: string): ProposalReceipt {
    return this.proposeBatch([data])[0];
  }

  /** Several commands in one append round; receipts in the same order. */
  proposeBatch(data: readonly string[]): ProposalReceipt[] {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead);
    if (this.leadTransferee !== null) throw new LeadershipTransferError(this.leadTransferee);
    if (data.length === 0) return [];
    const added = this.appendEntries(data.map((d) => ({ type: 'normal', data: d })));
    this.bcastAppend();
    return added.map((e) => ({ index: e.index, term: e.term }));
  }

  /**
   * Asks for a linearizable read point. The answer arrives later as a ReadState
   * {ctx, index} in Ready.readStates (on this node, also when it is a follower);
   * `ctx` must be unique per request. Requests may be dropped silently on
   * leadership changes or message loss: the driver times them out and retries.
   */
  readIndex(ctx: string): void {
    if (this.role === 'leader') {
      this.handleReadIndex({ type: 'readIndex', from: this.id, to: this.id, term: this.term, ctx });
      return;
    }
    if (this.lead === null) throw new NotLeaderError(null);
    this.send({ type: 'readIndex', ...this.env(this.lead), ctx });
  }

  /**
   * Hands leadership to `to`: stops taking proposals, brings `to` up to date, then
   * sends it TimeoutNow. Gives up after an election timeout.
   */
  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead);
    if (!this.peers.includes(to)) throw new RaftConfigError(`raft: cannot transfer leadership to unknown node ${to}`);
    if (to === this.id || this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    const pr = this.pr(to);
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
  }

  /**
   * The driver snapshotted its state machine at `index` (<= applied): drop the log
   * up to there. Returns the snapshot, which the driver must persist before
   * deleting its stored entries up to `index`; null if not newer than the current one.
   */
  compact(index: number, data: string): Snapshot | null {
    if (this.log.pendingSnapshot !== null) throw new Error('raft: cannot compact while a snapshot awaits applying');
    if (index < this.log.firstIndex()) return null;
    if (index > this.log.applied)
      throw new Error(`raft: cannot compact at ${index}: only applied up to ${this.log.applied}`);
    if (index > this.log.stable)
      throw new Error(`raft: cannot compact at ${index}: only persisted up to ${this.log.stable}`);
    return this.log.compact(index, data, this.peers);
  }

  /**
   * The driver could not deliver a snapshot (or learned it was applied): resume
   * probing `to` instead of waiting for the resend timeout.
   */
  reportSnapshot(to: NodeId): void {
    const pr = this.progress.get(to);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    pr.pendingSnapshot = 0;
    pr.becomeProbe();
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    return (
      !sameSoft(this.softState(), this.prevSoft) ||
      !sameHard(this.hardState(), this.prevHard) ||
      this.log.stable < this.log.lastIndex() ||
      this.log.pendingSnapshot !== null ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.hasNextCommittedEntries()
    );
  }

  /** What to persist, send and apply now. Pure: the core changes only on advance(). */
  ready(): Ready {
    const soft = this.softState();
    const hard = this.hardState();
    const entries = this.log.unstableEntries();
    const snapshot = this.log.pendingSnapshot;
    const termOrVoteChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    return {
      softState: sameSoft(soft, this.prevSoft) ? null : soft,
      hardState: sameHard(hard, this.prevHard) ? null : hard,
      mustSync: entries.length > 0 || snapshot !== null || termOrVoteChanged,
      sendFirst: this.role === 'leader' && !termOrVoteChanged && this.msgs.every((m) => LEADER_MESSAGES.has(m.type)),
      entries,
      snapshot,
      messages: [...this.msgs],
      committedEntries: this.log.nextCommittedEntries(),
      readStates: [...this.readStates],
    };
  }

  /** The driver finished handling `rd` (persisted, sent, applied). */
  advance(rd: Ready): void {
    if (rd.softState !== null) this.prevSoft = rd.softState;
    if (rd.hardState !== null) this.prevHard = rd.hardState;
    if (rd.snapshot !== null) this.log.snapshotApplied(rd.snapshot);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      this.log.stableTo(last.index, last.term);
      // The leader's own entries count towards a quorum only now that they are durable.
      // Followers learn a new commit index lazily (see handleAppendResponse).
      if (this.role === 'leader' && this.pr(this.id).maybeUpdate(this.log.stable)) this.maybeCommit();
    }
    if (rd.committedEntries.length > 0) {
      this.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
    }
    // Anything produced while the driver was busy stays queued for the next Ready.
    this.msgs.splice(0, rd.messages.length);
    this.readStates.splice(0, rd.readStates.length);
  }

  // ---------------------------------------------------------------- introspection

  status(): RaftStatus {
    let progress: Record<NodeId, ProgressStatus> | null = null;
    if (this.role === 'leader') {
      progress = {};
      for (const [id, pr] of this.progress) {
        progress[id] = { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive };
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      leadTransferee: this.leadTransferee,
      progress,
    };
  }

  /** Term of the entry at `index` in this node's log (undefined if compacted or absent). */
  logTerm(index: number): number | undefined {
    return this.log.term(index);
  }

  /** Entries [lo, hi) of this node's log, or undefined if lo is compacted away. */
  logEntries(lo: number, hi?: number): readonly Entry[] | undefined {
    return this.log.slice(lo, hi);
  }

  // ---------------------------------------------------------------- role changes

  private softState(): SoftState {
    return { role: this.role, leader: this.lead, term: this.term };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = null;
    this.votes.clear();
    this.progress = new Map();
    const last = this.log.lastIndex();
    for (const id of this.peers) {
      const pr = new Progress(last + 1, this.cfg.maxInflight);
      if (id === this.id) {
        // Only what is durable here counts: entries still being written join in advance().
        pr.match = this.log.stable;
        pr.recentActive = true;
      }
      this.progress.set(id, pr);
    }
    this.readOnly.reset();
    this.pendingReads = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const r = this.cfg.random();
    if (!(r >= 0 && r < 1)) throw new RaftConfigError(`raft config: random() returned ${r}, not in [0, 1)`);
    this.randomizedElectionTimeout = this.cfg.electionTicks + Math.floor(r * this.cfg.electionTicks);
  }

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  /** Pre-vote changes neither term nor vote: a failed pre-campaign leaves no trace. */
  private becomePreCandidate(): void {
    this.votes.clear();
    this.lead = null;
    this.role = 'pre-candidate';
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    // A no-op of our own term lets earlier terms' entries commit (§5.4.2, Figure 8)
    // and tells us when ReadIndex may be served.
    this.appendEntries([{ type: 'noop', data: '' }]);
  }

  // ---------------------------------------------------------------- elections

  private inLease(): boolean {
    return this.cfg.checkQuorum && this.lead !== null && this.electionElapsed < this.cfg.electionTicks;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? 'pre' : 'election');
    }
  }

  private campaign(kind: CampaignKind): void {
    let voteType: 'vote' | 'preVote';
    let term: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      voteType = 'preVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = 'vote';
      term = this.term;
    }
    if (this.poll(this.id, false) === 'won') {
      // Single-node cluster.
      if (kind === 'pre') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const to of this.peers) {
      if (to === this.id) continue;
      this.send({
        type: voteType,
        from: this.id,
        to,
        term,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
        transfer: kind === 'transfer',
      });
    }
  }

  private poll(from: NodeId, reject: boolean): PollResult {
    if (!this.votes.has(from)) this.votes.set(from, !reject);
    let granted = 0;
    for (const v of this.votes.values()) if (v) granted++;
    const rejected = this.votes.size - granted;
    if (granted >= this.quorum) return 'won';
    if (rejected > this.peers.length - this.quorum) return 'lost';
    return 'pending';
  }

  private handleVoteRequest(m: VoteRequest): void {
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'preVote' && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
      // Answer with the request's term: a granted pre-vote must count at the
      // candidate's future term, and our own term is not changed by it.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, ...this.env(m.from), reject: true });
    }
  }

  // ---------------------------------------------------------------- per-role steps

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeoutNow':
        // Skips pre-vote and overrides leases: the leader asked for it.
        this.campaign('transfer');
        return;
      case 'readIndexResp':
        this.readStates.push({ ctx: m.ctx, index: m.index });
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'voteResp':
      case 'preVoteResp':
        this.handleVoteResponse(m);
        return;
      default:
        return;
    }
  }

  private handleVoteResponse(m: VoteResponse): void {
    if ((m.type === 'preVoteResp') !== (this.role === 'pre-candidate')) return; // stale round
    const result = this.poll(m.from, m.reject);
    if (result === 'won') {
      if (this.role === 'pre-candidate') {
        this.campaign('election');
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'appResp':
        this.handleAppendResponse(m);
        return;
      case 'heartbeatResp':
        this.handleHeartbeatResponse(m);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- follower handlers

  private handleAppend(m: AppendMessage): void {
    if (m.prevIndex < this.log.committed) {
      // Everything up to our commit index matches any leader: say so and skip ahead.
      this.sendAppendResponse(m.from, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.sendAppendResponse(m.from, lastNew);
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
    this.send({
      type: 'appResp',
      ...this.env(m.from),
      index: m.prevIndex,
      reject: true,
      conflictIndex: hint.index,
      conflictTerm: hint.term,
    });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader sends min(commit, our match), which we hold; never trust beyond our log.
    if (m.commit <= this.log.lastIndex()) this.log.commitTo(m.commit);
    this.send({ type: 'heartbeatResp', ...this.env(m.from), ctx: m.ctx });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    const { index, term } = m.snapshot.meta;
    if (index <= this.log.committed) {
      this.sendAppendResponse(m.from, this.log.committed);
    } else if (this.log.matchTerm(index, term)) {
      // We already hold this prefix: just fast-forward the commit index.
      this.log.commitTo(index);
      this.sendAppendResponse(m.from, this.log.committed);
    } else {
      this.log.restore(m.snapshot);
      this.sendAppendResponse(m.from, this.log.lastIndex());
    }
  }

  private sendAppendResponse(to: NodeId, index: number): void {
    this.send({ type: 'appResp', ...this.env(to), index, reject: false, conflictIndex: 0, conflictTerm: 0 });
  }

  // ---------------------------------------------------------------- leader handlers

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const [id, pr] of this.progress) {
      // A snapshot lost in the network would otherwise stall the follower forever.
      if (id !== this.id && pr.state === 'snapshot' && ++pr.snapshotTicks >= this.cfg.electionTicks) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        let active = 0;
        for (const pr of this.progress.values()) if (pr.recentActive) active++;
        if (active < this.quorum) {
          // Partitioned from a majority: stop acting as leader (and serving reads).
          this.becomeFollower(this.term, null);
          return;
        }
        for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
      }
      this.leadTransferee = null; // a transfer that did not finish in time is abandoned
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastPendingCtx());
    }
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.pr(m.from);
    pr.recentActive = true;
    if (m.reject) {
      let hint = m.conflictIndex;
      if (m.conflictTerm > 0) hint = this.log.findConflictByTerm(m.conflictIndex, m.conflictTerm).index;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!(pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe'))) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    // A new commit index is not broadcast: followers learn it from the next append or
    // heartbeat (one tick at most). Nothing waits on a follower's apply (requests are
    // answered by the leader, follower reads wait for a heartbeat round that carries
    // it), and a broadcast would cost two messages and two acks per commit, a third of
    // all peer traffic at low load.
    this.maybeCommit();
    if (wasPaused) this.sendAppend(m.from);
    while (this.sendAppend(m.from, false)) {
      // pipeline further batches until the window is full or the follower caught up
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.pr(m.from);
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.match < this.log.lastIndex()) {
      // Pipelined appends whose acks stopped coming for two heartbeats were probably
      // lost: fall back to probing from the match point, which resends them.
      if (pr.state === 'replicate' && pr.heartbeatStalled()) pr.becomeProbe();
      this.sendAppend(m.from);
    }

    if (m.ctx === null || this.readOnly.recvAck(m.ctx, m.from) < this.quorum) return;
    for (const req of this.readOnly.advance(m.ctx)) this.answerRead(req.from, req.ctx, req.index);
  }

  private handleReadIndex(m: ReadIndexRequest): void {
    if (this.role !== 'leader') return; // misrouted; the requester times out and retries
    if (!this.committedInCurrentTerm()) {
      // Until our no-op commits, our commit index may lag the true one (it is not synced on
      // its own, so even a single node restarts with an older one).
      this.pendingReads.push({ from: m.from, ctx: m.ctx });
    } else {
      this.serveRead(m.from, m.ctx);
    }
  }

  private serveRead(from: NodeId, ctx: string): void {
    if (this.peers.length === 1) this.answerRead(from, ctx, this.log.committed);
    else this.startReadRound(from, ctx);
  }

  /** Confirms leadership with a heartbeat round before answering (no log write). */
  private startReadRound(from: NodeId, ctx: string): void {
    this.readOnly.add(ctx, from, this.log.committed);
    this.readOnly.recvAck(ctx, this.id);
    this.bcastHeartbeat(ctx);
  }

  private answerRead(from: NodeId, ctx: string, index: number): void {
    if (from === this.id) this.readStates.push({ ctx, index });
    else this.send({ type: 'readIndexResp', ...this.env(from), ctx, index });
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private appendEntries(items: ReadonlyArray<Pick<Entry, 'type' | 'data'>>): Entry[] {
    const last = this.log.lastIndex();
    const entries: Entry[] = items.map((it, i) => ({
      index: last + 1 + i,
      term: this.term,
      type: it.type,
      data: it.data,
    }));
    // Not counted towards the quorum yet: advance() does once the driver made them durable.
    this.log.append(entries);
    return entries;
  }

  /** Commits the highest index held by a quorum, if it is of the current term. */
  private maybeCommit(): boolean {
    const matches = [...this.progress.values()].map((p) => p.match).sort((a, b) => b - a);
    if (!this.log.maybeCommit(matches[this.quorum - 1], this.term)) return false;
    if (this.pendingReads.length > 0 && this.committedInCurrentTerm()) {
      const reads = this.pendingReads;
      this.pendingReads = [];
      for (const r of reads) this.serveRead(r.from, r.ctx);
    }
    return true;
  }

  /** Sends each follower what it lacks: one message, then as many more as its window allows. */
  private bcastAppend(): void {
    for (const id of this.peers) {
      if (id === this.id || !this.sendAppend(id)) continue;
      while (this.sendAppend(id, false)) {
        // pipelining (replicate state only; a probe pauses after one message)
      }
    }
  }

  private bcastHeartbeat(ctx: string | null): void {
    for (const id of this.peers) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what it is known to hold.
      const pr = this.pr(id);
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', ...this.env(id), commit, ctx });
    }
  }

  /** Sends the next batch (or a snapshot) to `to`; false if nothing was sent. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.pr(to);
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    if (prevIndex > this.log.lastIndex()) return false;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.slice(pr.next, undefined, this.cfg.maxEntriesPerMsg);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0) {
      // An empty append past entries still in flight would only overtake them and be rejected.
      if (!sendIfEmpty || (pr.state === 'replicate' && pr.match < prevIndex)) return false;
    }
    this.send({ type: 'app', ...this.env(to), prevIndex, prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(entries.length > 0 ? entries[entries.length - 1].index : null);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false; // do not ship a snapshot to a node that may be down
    const snapshot = this.log.snapshot;
    if (snapshot === null) throw new Error('raft: log compacted but no snapshot kept');
    this.send({ type: 'snapshot', ...this.env(to), snapshot });
    pr.becomeSnapshot(snapshot.meta.index);
    return true;
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'timeoutNow', ...this.env(to) });
  }

  // ---------------------------------------------------------------- helpers

  private pr(id: NodeId): Progress {
    const pr = this.progress.get(id);
    if (pr === undefined) throw new Error(`raft: no progress for ${id}`);
    return pr;
  }

  private env(to: NodeId): { from: NodeId; to: NodeId; term: number } {
    return { from: this.id, to, term: this.term };
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

/** What only a leader sends; none of it promises anything about the leader's own disk. */
const LEADER_MESSAGES: ReadonlySet<Message['type']> = new Set([
  'app',
  'heartbeat',
  'snapshot',
  'timeoutNow',
  'readIndexResp',
]);

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
