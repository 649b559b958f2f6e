import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisClient, DSS_CONFIG, type NodeConfig } from '@dss/config';
import { RedisTopologyWatcher } from './redis-topology-watcher.service.js';

/**
 * The Redis client of a queue or cache daemon: standalone Redis, or the
 * primary the topology names. When the epoch changes the connection is
 * dropped and dialled again to the new primary; commands in flight fail
 * (503 to the client, which retries) and a WAIT on the old connection can no
 * longer confirm anything (connectionMark).
 */
export function redisPrimaryProvider(token: symbol, role: string): Provider {
  return {
    provide: token,
    inject: [DSS_CONFIG, RedisTopologyWatcher],
    useFactory: (config: NodeConfig, watcher: RedisTopologyWatcher): Redis => {
      if (!watcher.enabled) return createRedisClient(config, role);
      const client = createRedisClient(config, role, () => watcher.primaryAddress());
      // At once: commands in flight to a deposed primary behind a partition would otherwise wait
      // for ioredis's polite close (up to 2 s) or their own timeout (3 s).
      watcher.onChange(() => client.redial());
      return client;
    },
  };
}
