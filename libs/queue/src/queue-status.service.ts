import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisTopologyWatcher } from '@dss/redis-ha';
import { TopicOwnership } from './topic-ownership.service.js';
import { QUEUE_REDIS } from './redis.provider.js';
import { RedeliveryMonitor } from './redelivery-monitor.service.js';

/** The queue role's readiness (Redis answers) and its /cluster section (ring and live nodes). */
@Injectable()
export class QueueStatus {
  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    private readonly ownership: TopicOwnership,
    private readonly monitor: RedeliveryMonitor,
    private readonly topology: RedisTopologyWatcher,
  ) {}

  ready(): boolean {
    return this.redis.status === 'ready';
  }

  describe(): Record<string, unknown> {
    const primary = this.topology.describe();
    return {
      queue: {
        redis: this.redis.status,
        ...(primary ? { redisPrimary: primary } : {}),
        ring: { nodes: this.ownership.ringNodes, alive: this.ownership.aliveNodes },
        owns: this.monitor.ownedTopics,
      },
    };
  }
}
