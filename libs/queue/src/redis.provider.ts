import { redisPrimaryProvider } from '@dss/redis-ha';

export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/** The queue's Redis: standalone, or the primary the lock nodes name (docs/redis-failover.md). */
export const redisProvider = redisPrimaryProvider(QUEUE_REDIS, 'queue');
