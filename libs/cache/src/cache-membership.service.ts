import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { HashRing } from '@dss/hashing';
import { PeerClients } from '@dss/transport';
import { CACHE_DEAD_AFTER_MS, CACHE_HEARTBEAT_MS, CACHE_LEASE_MS } from './cache-limits.js';

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** Heartbeat between cache nodes: liveness for homes, leases for holders. */
    'cache.ping': { request: { from: string }; response: { node: string } };
  }
}

/**
 * Which cache nodes are alive, and for how long this node may trust the copies
 * it holds. Two clocks per peer, both on this node:
 * - `heardAt`: when any message from the peer last arrived. A peer silent for
 *   CACHE_DEAD_AFTER_MS is dead: homes stop waiting for it and count its
 *   copies as Invalid.
 * - `confirmedAt`: when this node SENT the last ping the peer answered. Copies
 *   homed at the peer are served only within CACHE_LEASE_MS of it. Since the
 *   peer heard that ping after it was sent, the peer cannot count this node
 *   dead before the lease ran out here.
 * A node that sees no majority of the cache nodes serves nothing.
 */
@Injectable()
export class CacheMembership implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly self: string;
  readonly ring: HashRing;
  private readonly heardAt = new Map<string, number>();
  private readonly confirmedAt = new Map<string, number>();
  private view: readonly string[];
  private changes = 0;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<(view: readonly string[], previous: readonly string[]) => void>();

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    private readonly peers: PeerClients,
  ) {
    this.self = config.self.id;
    this.ring = new HashRing([config.self.id, ...config.peers.map((p) => p.id)]);
    this.view = [this.self];
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

  /** May this node serve a copy whose home is `home` without asking it? */
  leaseValid(home: string, now = performance.now()): boolean {
    if (home === this.self) return this.hasQuorum();
    const at = this.confirmedAt.get(home);
    return at !== undefined && now - at < CACHE_LEASE_MS;
  }

  /** Pings `peer` now; true (and the lease renewed) if it answered in time. */
  async confirm(peer: string, timeoutMs = CACHE_HEARTBEAT_MS * 2): Promise<boolean> {
    if (peer === this.self) return true;
    const sentAt = performance.now();
    try {
      await this.peers.call(peer, 'cache.ping', { from: this.self }, { timeoutMs });
      this.confirmedAt.set(peer, Math.max(this.confirmedAt.get(peer) ?? 0, sentAt));
      this.heard(peer);
      return true;
    } catch {
      return false;
    }
  }

  /** Any message from `peer` arrived. */
  heard(peer: string): void {
    if (peer === this.self || !this.ring.nodes.includes(peer)) return;
    this.heardAt.set(peer, performance.now());
    if (!this.view.includes(peer)) this.refresh();
  }

  isDead(peer: string, now = performance.now()): boolean {
    const at = this.heardAt.get(peer);
    return at === undefined || now - at >= CACHE_DEAD_AFTER_MS;
  }

  /** Resolves true once `peer` counts as dead, false if `deadline` (performance.now() ms) comes first. */
  async waitUntilDead(peer: string, deadline: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      if (this.isDead(peer)) {
        this.refresh();
        return true;
      }
      const now = performance.now();
      if (now >= deadline) return false;
      const at = this.heardAt.get(peer) ?? 0;
      await new Promise((r) => setTimeout(r, Math.max(5, Math.min(deadline - now, at + CACHE_DEAD_AFTER_MS - now + 1))));
    }
  }

  /** Called with the new and the previous view whenever the set of live nodes changes. */
  onChange(listener: (view: readonly string[], previous: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refresh(now = performance.now()): void {
    const view = this.ring.nodes.filter((n) => n === this.self || !this.isDead(n, now));
    if (view.join() === this.view.join()) return;
    const previous = this.view;
    this.view = view;
    this.changes++;
    for (const l of this.listeners) l(view, previous);
  }

  /** Grows on every view change, so a caller can tell that one happened meanwhile (even A → B → A). */
  get epoch(): number {
    return this.changes;
  }

  private async beat(): Promise<void> {
    await Promise.all(this.peers.peerIds.map((p) => this.confirm(p)));
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
