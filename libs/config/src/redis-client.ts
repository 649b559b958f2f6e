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

/** Replicas that must acknowledge a write before it counts (0 without Sentinel: one Redis, nothing to wait for). */
export function replicasToAck(config: NodeConfig): number {
  const redis = config.cluster.redis;
  return redis?.mode === 'sentinel' ? redis.replicasToAck : 0;
}

/** Identifies the connection a client is on now: ioredis replaces its socket on every reconnection. */
export type ConnectionMark = unknown;
export const connectionMark = (redis: Redis): ConnectionMark => redis.stream;

/**
 * WAIT for `replicas` replicas on the connection marked `since`. WAIT is per
 * connection: it counts acknowledgements of the writes made on the connection
 * it runs on, so if the client reconnected since the mark (a failover, and
 * ioredis retrying the WAIT on the new primary, where it has nothing to wait
 * for and answers at once) the answer says nothing: `reconnected` is set. On a
 * primary that lost its replicas (one cut off, or demoted but not yet told)
 * the answer is 0, which also makes it a check that reads are not stale.
 */
export async function waitForReplicas(redis: Redis, replicas: number, timeoutMs: number, since: ConnectionMark): Promise<{ acknowledged: number; reconnected: boolean }> {
  if (connectionMark(redis) !== since) return { acknowledged: 0, reconnected: true };
  const acknowledged = await redis.wait(replicas, timeoutMs);
  if (connectionMark(redis) !== since) return { acknowledged: 0, reconnected: true };
  return { acknowledged, reconnected: false };
}
