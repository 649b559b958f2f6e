// Which view of the live cache nodes this node may act in, and since when.
// Pure: the caller passes the clock and does the messaging (CacheMembership).
//
// Each node's view of the live nodes comes from its own heartbeats, so under an
// asymmetric partition (a bridge, a one-way cut) two nodes can see different
// views at once, each with a majority, and each pick a different home for a key:
// two directories, two writers (found by the chaos suite). A node therefore acts
// (serves a copy, grants as a home) in its view V only under a *view lease*:
// - a majority of the cache nodes, itself included, confirmed V within LEASE
//   (a confirmation counts from when this node SENT the ping it answers);
// - a node that confirmed V does not confirm, nor act in, another view until
//   LEASE after its last confirmation of V (it is "switching" meanwhile).
// Two majorities share a node, and that node's confirmations of two views are
// LEASE apart, so no two nodes act in different views at the same instant.
//
// The lease can lapse (no majority confirmed lately) or end with a view change;
// either starts a new *term*. A node drops every copy it holds at a new term
// before it acts again: while it could not act, another view may have written.
// Likewise per home: when a peer answered none of this node's pings for the dead
// timeout, it may have counted this node dead and, as a home, let another node
// write, so the copies homed there are dropped (a new *home term*) before that
// home's word counts again. (A peer that answered a ping heard it: a shorter gap
// cannot have made it count this node dead.)

/** A peer's answer to this node's ping, as the lease counts it. */
interface Confirmation {
  /** When this node sent the ping (its own clock). */
  readonly sentAt: number;
  /** This node's view epoch when it sent the ping: a view change voids every confirmation. */
  readonly epoch: number;
  /** The peer's directory was complete for the view (it serves as a home). */
  readonly ready: boolean;
}

export class ViewLease {
  private readonly confirmations = new Map<string, Confirmation>();
  /**
   * until()'s majority end, kept until the confirmations change: every read hit asks for it,
   * and working it out sorts the confirmations. Undefined: to be worked out again.
   */
  private majorityEnd?: number;
  private promise?: { readonly view: string; readonly until: number };
  private termNo = 0;
  private cleanTerm?: number;
  private readonly homeTerms = new Map<string, number>();
  private readonly cleanHomeTerms = new Map<string, number>();
  /** Per peer: when this node sent the latest ping it answered (confirming or not). */
  private readonly lastAnswered = new Map<string, number>();
  /** Peers that answered after a gap of the dead timeout: their next confirmation starts a home term. */
  private readonly suspects = new Set<string>();

  /**
   * @param clusterSize every cache node of the description
   * @param leaseMs how long a confirmation counts; shorter than the dead timeout, so a
   *   home counts a holder dead only after the holder's lease from it ran out
   * @param deadAfterMs the peers' dead timeout (a gap this long may have made one count this node dead)
   */
  constructor(
    private readonly clusterSize: number,
    private readonly leaseMs: number,
    private readonly deadAfterMs: number,
  ) {}

  /** Grows whenever the lease ends (view change or lapse): copies from an earlier term are dropped. */
  get term(): number {
    return this.termNo;
  }

  /** This node's view changed: nothing confirmed so far counts, a new term begins. */
  viewChanged(): number {
    this.confirmations.clear();
    this.majorityEnd = undefined;
    return ++this.termNo;
  }

  /**
   * A peer answered a ping sent at `sentAt` in view epoch `epoch` (the current one, or
   * the answer is ignored), saying whether it confirmed the same view. Returns the new
   * `term` when the lease had lapsed before this confirmation (the caller drops every
   * copy), and the peer's new `homeTerm` when its own confirmation had (the caller drops
   * the copies homed at it).
   */
  answered(
    peer: string,
    a: { sentAt: number; epoch: number; currentEpoch: number; confirmed: boolean; ready: boolean },
    now: number,
  ): { term?: number; homeTerm?: number } {
    const last = this.lastAnswered.get(peer);
    if (last === undefined || now - last >= this.deadAfterMs) this.suspects.add(peer);
    this.lastAnswered.set(peer, Math.max(last ?? a.sentAt, a.sentAt));
    if (a.epoch !== a.currentEpoch) return {};
    if (!a.confirmed) {
      // It moved on (or is switching): stop counting it at once.
      this.confirmations.delete(peer);
      this.majorityEnd = undefined;
      return {};
    }
    const lapsed = this.until(now) <= now;
    const previous = this.confirmations.get(peer);
    if (!previous || previous.sentAt <= a.sentAt) {
      this.confirmations.set(peer, { sentAt: a.sentAt, epoch: a.epoch, ready: a.ready });
      this.majorityEnd = undefined;
    }
    const homeTerm = this.suspects.delete(peer) ? this.homeTerm(peer) + 1 : undefined;
    if (homeTerm !== undefined) this.homeTerms.set(peer, homeTerm);
    return { ...(lapsed ? { term: ++this.termNo } : {}), ...(homeTerm !== undefined ? { homeTerm } : {}) };
  }

  /** Grows each time `peer`'s confirmation comes back after it lapsed. */
  homeTerm(peer: string): number {
    return this.homeTerms.get(peer) ?? 0;
  }

  /** The copies homed at `peer` up to its home term `term` are dropped: its confirmation counts again. */
  homeCleaned(peer: string, term: number): void {
    if (this.homeTerm(peer) === term) this.cleanHomeTerms.set(peer, term);
  }

  /** Until when a majority (this node included) has confirmed the current view. */
  until(now: number): number {
    const end = (this.majorityEnd ??= this.latestMajorityEnd());
    return end <= now ? -Infinity : end;
  }

  /** When the confirmations held now stop making a majority (-Infinity: they never did). */
  private latestMajorityEnd(): number {
    const needed = Math.floor(this.clusterSize / 2); // peers besides this node
    if (needed === 0) return Infinity;
    const ends = [...this.confirmations.values()].map((c) => c.sentAt + this.leaseMs).sort((a, b) => b - a);
    return ends[needed - 1] ?? -Infinity;
  }

  /** The peer confirmed the current view within the lease, with a complete directory. */
  homeConfirmed(peer: string, now: number): boolean {
    const c = this.confirmations.get(peer);
    return (
      c !== undefined &&
      c.ready &&
      now - c.sentAt < this.leaseMs &&
      (this.cleanHomeTerms.get(peer) ?? 0) === this.homeTerm(peer)
    );
  }

  /** Still bound by a confirmation of another view than `view`. */
  switching(view: string, now: number): boolean {
    return this.promise !== undefined && this.promise.view !== view && this.promise.until > now;
  }

  /**
   * Answers a peer's ping: confirms `view` unless still bound to another, and then
   * promises not to confirm (nor act in) another view for a lease.
   */
  confirm(view: string, now: number): boolean {
    if (this.switching(view, now)) return false;
    this.promise = { view, until: now + this.leaseMs };
    return true;
  }

  /** The copies of `term` are dropped: this node may act in it. */
  cleaned(term: number): void {
    if (term === this.termNo) this.cleanTerm = term;
  }

  /** May act in `view` now: majority lease held, not switching, copies of earlier terms dropped. */
  canAct(view: string, now: number): boolean {
    return this.until(now) > now && !this.switching(view, now) && this.cleanTerm === this.termNo;
  }
}
