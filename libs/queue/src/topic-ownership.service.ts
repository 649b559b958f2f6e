import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { HashRing } from '@dss/hashing';
import { PeerStatusService } from '@dss/transport';
import { OWNERSHIP_PROBE_MS } from './queue-limits.js';
import { QUEUE_METRICS } from './queue-metrics.js';

/**
 * Which queue node owns a topic: the first node of the topic's preference list
 * (consistent-hash ring over all queue nodes) that answers pings. When the
 * owner dies its topics move to the next node within a probe or two, and move
 * back when it returns. Ownership only places consumers, timers and metrics;
 * correctness rests on the atomic Redis scripts, never on it.
 */
@Injectable()
export class TopicOwnership implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly self: string;
  private readonly ring: HashRing;
  private alive: string[];
  private probe?: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    private readonly peers: PeerStatusService,
    @InjectMetric(QUEUE_METRICS.ownershipChanges) private readonly changes: Counter,
  ) {
    this.self = config.self.id;
    this.ring = new HashRing([config.self.id, ...config.peers.map((p) => p.id)]);
    this.alive = this.ring.nodes.slice();
  }

  owner(topic: string): string {
    return this.ring.ownerAmong(topic, this.alive) ?? this.self;
  }

  owns(topic: string): boolean {
    return this.owner(topic) === this.self;
  }

  get ringNodes(): readonly string[] {
    return this.ring.nodes;
  }

  get aliveNodes(): readonly string[] {
    return this.alive;
  }

  /** Called after the alive set changed (owners may have moved). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refresh(): Promise<void> {
    const statuses = await this.peers.pingAll(Math.min(500, OWNERSHIP_PROBE_MS));
    const alive = [this.self, ...statuses.filter((s) => s.reachable).map((s) => s.id)].sort();
    if (alive.join() === this.alive.slice().sort().join()) return;
    this.alive = alive;
    this.changes.inc();
    for (const l of this.listeners) l();
  }

  onApplicationBootstrap(): void {
    void this.refresh();
    this.probe = setInterval(() => void this.refresh(), OWNERSHIP_PROBE_MS);
    this.probe.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.probe);
  }
}
