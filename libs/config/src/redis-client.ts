import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { NodeConfig } from './load-config.js';

/**
 * ioredis options for standalone Redis or Sentinel, from the cluster
 * description. No offline queue: while Redis is down a command fails at once
 * (503), rather than waiting in memory and answering after the client gave up.
 */
export function redisOptions(config: NodeConfig, role: string): RedisOptions {
  const redis = config.cluster.redis ?? { mode: 'standalone' as const, host: '127.0.0.1', port: 6379 };
  const common: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A call must fail (503) rather than hang while Redis is unreachable.
    commandTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    connectionName: `dss-${role}-${config.self.id}`,
  };
  if (redis.mode === 'sentinel') return { ...common, sentinels: redis.sentinels.map((s) => ({ host: s.host, port: s.port })), name: redis.name };
  return { ...common, host: redis.host, port: redis.port };
}

/** A client that logs losing and regaining Redis once each, not on every retry. */
export function createRedisClient(config: NodeConfig, role: string): Redis {
  const logger = new Logger('Redis');
  const client = new Redis(redisOptions(config, role));
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.warn(`redis: ${err.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log('redis: connected again');
    down = false;
  });
  return client;
}
