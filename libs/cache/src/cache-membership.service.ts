import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { HashRing } from '@dss/hashing';
import { PeerClients } from '@dss/transport';
import { CACHE_DEAD_AFTER_MS, CACHE_HEARTBEAT_MS, CACHE_LEASE_MS, CACHE_MEMORY_REPORT_MS } from './cache-limits.js';
import { chooseView, mergeReports, type HeardReport } from './view-choice.js';
import { ViewLease } from './view-lease.js';

/** What every node knows of who hears whom (view-choice.ts), carried by every ping and answer. */
export type Reports = Record<string, HeardReport>;

/** A ping's answer: the peer's view, whether it confirms it (view lease) and serves as a home in it. */
export interface PingAnswer {
  readonly node: string;
  readonly view: readonly string[];
  readonly confirmed: boolean;
  readonly ready: boolean;
  readonly reports?: Reports;
}

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** Heartbeat between cache nodes: liveness for homes, view leases for everyone, who hears whom. */
    'cache.ping': { request: { from: string; reports?: Reports }; response: PingAnswer };
  }
}

/**
 * Which cache nodes are alive, and whether this node may act (serve a copy,
 * grant as a home) right now. Two clocks per peer, both on this node:
 * - `heardAt`: when any message from the peer last arrived. A peer silent for
 *   CACHE_DEAD_AFTER_MS is dead: homes stop waiting for it and count its
 *   copies as Invalid.
 * - the view lease (view-lease.ts): when this node SENT the last ping the peer
 *   answered confirming the same view. A node acts only while a majority
 *   confirmed its view, and serves a copy only while the key's home confirmed
 *   it too. Since the home heard that ping after it was sent, it cannot count
 *   this node dead before the lease ran out here.
 * The view is not simply the peers heard lately: every node shares whom it
 * hears, and all choose alike the largest set that all hear each other
 * (view-choice.ts), so an asymmetric partition still leaves a majority view.
 * A node that sees no majority of the cache nodes serves nothing.
 */
@Injectable()
export class CacheMembership implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly self: string;
  readonly ring: HashRing;
  private readonly heardAt = new Map<string, number>();
  /** Who hears whom, the freshest report of each node (this node's own included). */
  private readonly reports = new Map<string, HeardReport>();
  private reportSeq = Date.now();
  /** Checks that this node reaches the cache's memory; set by the cache role (CacheLines). */
  private memoryProbe?: () => Promise<boolean>;
  private memoryOkAt?: number;
  private readonly lease: ViewLease;
  private view: readonly string[];
  /** view.join(): the lease's name for the view, kept with it rather than joined on every read. */
  private viewKey: string;
  private changes = 0;
  /** The view epoch whose directory this node has rebuilt (it serves as a home in it). */
  private readyEpoch?: number;
  private timer?: NodeJS.Timeout;
  private beatSoon = false;
  private readonly listeners = new Set<(view: readonly string[], previous: readonly string[]) => void>();
  private readonly termListeners = new Set<(term: number) => void>();
  private readonly homeTermListeners = new Set<(home: string, term: number) => void>();

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    private readonly peers: PeerClients,
  ) {
    this.self = config.self.id;
    this.ring = new HashRing([config.self.id, ...config.peers.map((p) => p.id)]);
    this.view = [this.self];
    this.viewKey = this.self;
    this.lease = new ViewLease(this.ring.nodes.length, CACHE_LEASE_MS, CACHE_DEAD_AFTER_MS);
  }

  /** The live nodes, sorted (this node included). */
  get alive(): readonly string[] {
    return this.view;
  }

  hasQuorum(view: readonly string[] = this.view): boolean {
    return view.length * 2 > this.ring.nodes.length;
  }

  /** The key's home: the first live node of its preference list. */
  home(key: string): string {
    return this.ring.ownerAmong(key, this.view) ?? this.self;
  }

  /** The key's home in another view (what a rebuilding home asks about). */
  homeIn(key: string, view: readonly string[]): string | undefined {
    return this.ring.ownerAmong(key, view);
  }

  /** May this node act now: serve copies, grant as a home (a majority holds its view, see ViewLease)? */
  canAct(now = performance.now()): boolean {
    return this.hasQuorum() && this.lease.canAct(this.viewKey, now);
  }

  /** May this node serve a copy whose home is `home` without asking it? */
  leaseValid(home: string, now = performance.now()): boolean {
    if (!this.canAct(now)) return false;
    if (home === this.self) return this.readyEpoch === this.changes;
    return this.lease.homeConfirmed(home, now);
  }

  /**
   * leaseValid(home(key)): may this node serve its copy of `key` without asking? Every
   * read hit asks, so when every home of the view is confirmed (the usual state) it
   * answers without placing the key on the ring; the answer is the same, since a key's
   * home is always a member of the view.
   */
  servesCopyOf(key: string, now = performance.now()): boolean {
    if (!this.canAct(now)) return false;
    let everyHome = this.readyEpoch === this.changes;
    for (let i = 0; everyHome && i < this.view.length; i++)
      if (this.view[i] !== this.self) everyHome = this.lease.homeConfirmed(this.view[i]!, now);
    return everyHome || this.leaseValid(this.home(key), now);
  }

  /** Resolves true once this node may act, false if `deadline` (performance.now() ms) comes first. */
  async untilCanAct(deadline: number): Promise<boolean> {
    while (!this.canAct()) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** Grows when the view lease ends (a view change, or no majority confirmed lately). */
  get term(): number {
    return this.lease.term;
  }

  /** Called with each new term: the listener drops every copy, then calls `cleaned(term)`. */
  onTerm(listener: (term: number) => void): () => void {
    this.termListeners.add(listener);
    return () => this.termListeners.delete(listener);
  }

  /**
   * Called when a home's confirmation comes back after it lapsed (the home may have counted this
   * node dead meanwhile): the listener drops the copies homed there, then calls `homeCleaned`.
   */
  onHomeTerm(listener: (home: string, term: number) => void): () => void {
    this.homeTermListeners.add(listener);
    return () => this.homeTermListeners.delete(listener);
  }

  homeTerm(home: string): number {
    return this.lease.homeTerm(home);
  }

  homeCleaned(home: string, term: number): void {
    this.lease.homeCleaned(home, term);
  }

  /** Every copy of earlier terms is dropped. */
  cleaned(term: number): void {
    this.lease.cleaned(term);
  }

  /** The directory of the current view is complete: this node serves as a home in it. */
  directoryReady(epoch: number): void {
    this.readyEpoch = epoch;
  }

  /** Answers a peer's ping: this node's view, and whether it confirms it (promising to stay in it for a lease). */
  answerPing(from: string, reports?: Reports, now = performance.now()): PingAnswer {
    this.heard(from);
    if (reports) this.learn(reports);
    const confirmed = this.hasQuorum() && this.lease.confirm(this.view.join(), now);
    return {
      node: this.self,
      view: [...this.view],
      confirmed,
      ready: this.readyEpoch === this.changes,
      reports: this.knownReports(),
    };
  }

  /** Lets the membership report whether this node reaches memory (probed every heartbeat). */
  probeMemoryWith(probe: () => Promise<boolean>): void {
    this.memoryProbe = probe;
  }

  private reachesMemory(now: number): boolean {
    return this.reachedMemoryWithin(CACHE_MEMORY_REPORT_MS, now);
  }

  /** Whether a PING to memory sent less than `ms` ago was answered. */
  reachedMemoryWithin(ms: number, now = performance.now()): boolean {
    return this.memoryOkAt !== undefined && now - this.memoryOkAt < ms;
  }

  private async probeMemory(): Promise<void> {
    // Dated when sent: the answer proves memory was reachable then, not when it arrived.
    const sent = performance.now();
    if (this.memoryProbe && (await this.memoryProbe())) this.memoryOkAt = Math.max(this.memoryOkAt ?? sent, sent);
  }

  /** Every report this node knows, to pass on. */
  knownReports(): Reports {
    return Object.fromEntries(this.reports);
  }

  /** Reports relayed by a peer: the view is chosen again when they tell something new. */
  private learn(reports: Reports): void {
    if (mergeReports(this.reports, reports, this.ring.nodes)) this.refresh();
  }

  /** Pings `peer` now; true if it answered in time (its answer renews or revokes the view lease). */
  async confirm(peer: string, timeoutMs = CACHE_HEARTBEAT_MS * 2): Promise<boolean> {
    if (peer === this.self) return true;
    const sentAt = performance.now();
    const epoch = this.changes;
    const view = this.view.join();
    let answer: PingAnswer;
    try {
      answer = await this.peers.call(
        peer,
        'cache.ping',
        { from: this.self, reports: this.knownReports() },
        { timeoutMs },
      );
    } catch {
      return false;
    }
    this.heard(peer);
    if (answer.reports) this.learn(answer.reports);
    const same = answer.confirmed && answer.view.join() === view && this.view.join() === view;
    const { term, homeTerm } = this.lease.answered(
      peer,
      { sentAt, epoch, currentEpoch: this.changes, confirmed: same, ready: answer.ready },
      performance.now(),
    );
    if (term !== undefined) this.newTerm(term);
    if (homeTerm !== undefined) for (const l of this.homeTermListeners) l(peer, homeTerm);
    return true;
  }

  /** Any message from `peer` arrived. */
  heard(peer: string): void {
    if (peer === this.self || !this.ring.nodes.includes(peer)) return;
    this.heardAt.set(peer, performance.now());
    if (!this.view.includes(peer)) this.refresh();
  }

  isDead(peer: string, now = performance.now()): boolean {
    // Never itself: a home whose forward to its own copy failed (memory down) counted itself
    // dead, dropped the copy from its directory and let another node write beside it
    // (finding 9 in docs/correctness.md).
    if (peer === this.self) return false;
    const at = this.heardAt.get(peer);
    return at === undefined || now - at >= CACHE_DEAD_AFTER_MS;
  }

  /** Resolves true once `peer` counts as dead, false if `deadline` (performance.now() ms) comes first. */
  waitUntilDead(peer: string, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          stop();
          resolve(false);
        },
        Math.max(0, deadline - performance.now()),
      );
      const stop = this.watchDeath(peer, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Calls `died` once `peer` counts as dead (never for this node itself); the
   * returned function stops watching. A timer per watch, cleared on stop: a home
   * request watches its home for its whole flight, so this is on every miss and
   * write (an AbortController per request was a visible share of a node's CPU).
   */
  watchDeath(peer: string, died: () => void): () => void {
    if (peer === this.self) return () => undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const check = () => {
      if (stopped) return;
      const now = performance.now();
      if (this.isDead(peer, now)) {
        stopped = true;
        this.refresh();
        died();
        return;
      }
      timer = setTimeout(check, Math.max(5, (this.heardAt.get(peer) ?? 0) + CACHE_DEAD_AFTER_MS - now + 1));
    };
    check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Called with the new and the previous view whenever the set of live nodes changes. */
  onChange(listener: (view: readonly string[], previous: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refresh(now = performance.now()): void {
    const heard = this.ring.nodes.filter((n) => n === this.self || !this.isDead(n, now));
    const memory = this.reachesMemory(now);
    const own = this.reports.get(this.self);
    if (!own || own.heard.join() !== heard.join() || own.memory !== memory) {
      this.reportSeq = Math.max(this.reportSeq + 1, Date.now());
      this.reports.set(this.self, { heard, seq: this.reportSeq, memory });
    }
    const view = chooseView(this.ring.nodes, this.reports, this.self);
    const viewKey = view.join();
    if (viewKey === this.viewKey) return;
    const previous = this.view;
    this.view = view;
    this.viewKey = viewKey;
    this.changes++;
    for (const l of this.listeners) l(view, previous);
    this.newTerm(this.lease.viewChanged());
    // Confirm the new view with everyone now rather than at the next beat.
    if (!this.beatSoon && this.timer) {
      this.beatSoon = true;
      setImmediate(() => {
        this.beatSoon = false;
        void this.beat();
      });
    }
  }

  private newTerm(term: number): void {
    for (const l of this.termListeners) l(term);
  }

  /** Grows on every view change, so a caller can tell that one happened meanwhile (even A → B → A). */
  get epoch(): number {
    return this.changes;
  }

  private async beat(): Promise<void> {
    await Promise.all([this.probeMemory(), ...this.peers.peerIds.map((p) => this.confirm(p))]);
    this.refresh();
  }

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), CACHE_HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
