import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DSS_CONFIG, replicasToAck, type NodeConfig } from '@dss/config';
import { redisPrimaryProvider, RedisTopologyModule } from '@dss/redis-ha';
import { CacheController } from './cache.controller.js';
import { CacheDirectory } from './cache-directory.service.js';
import { CacheLines } from './cache-lines.service.js';
import { CacheMembership } from './cache-membership.service.js';
import { cacheMetricProviders } from './cache-metrics.js';
import { CachePeerController } from './cache-peer.controller.js';
import { cacheSettingsProvider } from './cache-settings.js';
import { CacheStatus } from './cache-status.service.js';
import { CoherenceRouter } from './coherence-router.js';
import { CoherenceView } from './coherence-view.service.js';
import { HomeClient } from './home-client.service.js';
import { CacheMemory } from './memory/cache-memory.js';
import { CacheValues } from './values/cache-values.service.js';
import { RespServer } from './resp/resp-server.service.js';

export const CACHE_REDIS = Symbol('CACHE_REDIS');

/**
 * The cache role: each node's lines (LRU, MESI controller), the directories of
 * the keys it is home for, coherence traffic over the peer transport, Redis as
 * memory. Needs ConfigModule, TransportModule and MetricsModule (all global).
 */
@Module({})
export class CacheModule implements OnApplicationShutdown {
  constructor(@Inject(CACHE_REDIS) private readonly redis: Redis) {}

  static forRoot(): DynamicModule {
    return {
      module: CacheModule,
      imports: [RedisTopologyModule],
      controllers: [CacheController, CachePeerController],
      providers: [
        cacheSettingsProvider,
        redisPrimaryProvider(CACHE_REDIS, 'cache'),
        {
          provide: CacheMemory,
          inject: [CACHE_REDIS, DSS_CONFIG],
          useFactory: (redis: Redis, config: NodeConfig) => new CacheMemory(redis, replicasToAck(config)),
        },
        ...cacheMetricProviders,
        CacheMembership,
        CoherenceRouter,
        HomeClient,
        CacheLines,
        CacheValues,
        RespServer,
        CacheDirectory,
        CoherenceView,
        CacheStatus,
      ],
      exports: [CacheLines, CacheValues, CacheStatus],
    };
  }

  /** After the lines wrote back (beforeApplicationShutdown) and the servers closed. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
