import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisTopologyModule } from '@dss/redis-ha';
import { queueMetricProviders } from './queue-metrics.js';
import { QueueStatus } from './queue-status.service.js';
import { QueueController } from './queue.controller.js';
import { QueueService } from './queue.service.js';
import { QUEUE_REDIS, redisProvider, subscriberProvider } from './redis.provider.js';
import { RedeliveryMonitor } from './redelivery-monitor.service.js';
import { QueueStore } from './storage/queue-store.js';
import { TopicOwnership } from './topic-ownership.service.js';
import { TopicSignals } from './topic-signals.js';
import { TopicWakeups } from './topic-wakeups.service.js';

/**
 * The queue role: messages in Redis through atomic scripts, topics placed on
 * the live queue nodes by the hash ring, redelivery by each topic's owner.
 * Needs ConfigModule, TransportModule and MetricsModule (all global).
 */
@Module({})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_REDIS) private readonly redis: Redis) {}

  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      imports: [RedisTopologyModule],
      controllers: [QueueController],
      providers: [
        redisProvider,
        subscriberProvider,
        {
          provide: QueueStore,
          inject: [QUEUE_REDIS, TopicWakeups],
          // Messages a group releases (its head acked or dead) wake consumers like a publish does.
          useFactory: (redis: Redis, wakeups: TopicWakeups) =>
            new QueueStore(redis, { onReady: (topic, n) => wakeups.notify(topic, n) }),
        },
        ...queueMetricProviders,
        TopicOwnership,
        TopicSignals,
        TopicWakeups,
        RedeliveryMonitor,
        QueueService,
        QueueStatus,
      ],
      exports: [QueueService, QueueStatus],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
