import { redisPrimaryProvider } from '@dss/redis-ha';

export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/** The queue's Redis: standalone, or the primary the lock nodes name (docs/redis-failover.md). */
export const redisProvider = redisPrimaryProvider(QUEUE_REDIS, 'queue');

export const QUEUE_SUBSCRIBER = Symbol('QUEUE_SUBSCRIBER');

/** A second connection to the same Redis, in subscriber mode: wake-ups of long-polling consumers (TopicWakeups). */
export const subscriberProvider = redisPrimaryProvider(QUEUE_SUBSCRIBER, 'queue-wakeups');
