import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { RedisTopologyWatcher } from '@dss/redis-ha';
import { CacheDirectory } from './cache-directory.service.js';
import { CacheLines } from './cache-lines.service.js';
import { CacheMembership } from './cache-membership.service.js';
import { CACHE_METRICS } from './cache-metrics.js';
import { CacheMemory } from './memory/cache-memory.js';

/** The cache role's readiness (a majority of cache nodes and Redis) and its /cluster section. */
@Injectable()
export class CacheStatus {
  constructor(
    private readonly membership: CacheMembership,
    private readonly lines: CacheLines,
    private readonly directory: CacheDirectory,
    private readonly memory: CacheMemory,
    private readonly topology: RedisTopologyWatcher,
    @InjectMetric(CACHE_METRICS.lines) linesGauge: Gauge<'state'>,
    @InjectMetric(CACHE_METRICS.bytes) bytesGauge: Gauge,
  ) {
    // Computed at scrape time: the gauges are always the cache's current content.
    const counts = () => this.lines.counts();
    Object.assign(linesGauge, {
      collect: () => {
        for (const [state, n] of Object.entries(counts().states)) linesGauge.set({ state }, n);
      },
    });
    Object.assign(bytesGauge, { collect: () => bytesGauge.set(counts().bytes) });
  }

  ready(): boolean {
    return this.memory.ready && this.membership.hasQuorum();
  }

  describe(): Record<string, unknown> {
    const c = this.lines.counts();
    const primary = this.topology.describe();
    return {
      cache: {
        redis: this.memory.status,
        ...(primary ? { redisPrimary: primary } : {}),
        ring: { nodes: this.membership.ring.nodes, alive: this.membership.alive },
        majority: this.membership.hasQuorum(),
        lines: { total: c.lines, bytes: c.bytes, ...c.states },
        owns: { directoryEntries: this.directory.size },
      },
    };
  }
}
