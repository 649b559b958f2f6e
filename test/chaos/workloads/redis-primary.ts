// The fenced counter's own view of the Redis primary, learnt the way the
// daemons learn it: from the lock nodes (here their GET /redis, polled), the
// newest epoch wins. Its ioredis client dials whatever this names.
import { Redis } from 'ioredis';
import { primaryConnector } from '@dss/config';
import { getJson } from '../../support/local-cluster.js';
import type { WorkloadContext } from './workload-types.js';

const POLL_MS = 200;

export interface PrimaryWatch {
  readonly client: Redis;
  stop(): void;
}

export function watchRedisPrimary(ctx: WorkloadContext, onError: (err: Error) => void): PrimaryWatch {
  const nodes = ctx.redis.nodes;
  let current = { epoch: -1, address: nodes[0]! };
  const client = new Redis({
    Connector: primaryConnector(() => current.address),
    // Fail at once while Redis is unreachable: a queued command could run long after we recorded it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 50, 300),
  });
  client.on('error', onError);
  const poll = async () => {
    const views = await Promise.all(
      ctx.nodes.map((n) =>
        getJson<{ epoch?: number; primary?: string }>(`${ctx.url('lock', n)}/redis`, 500).catch(() => undefined),
      ),
    );
    for (const v of views) {
      const { epoch, primary } = v?.body ?? {};
      const address = nodes.find((n) => n.id === primary);
      if (typeof epoch === 'number' && address && epoch > current.epoch) {
        const moved = current.epoch >= 0 && address.id !== current.address.id;
        current = { epoch, address };
        if (moved) client.disconnect(true);
      }
    }
  };
  let stopped = false;
  void (async () => {
    while (!stopped) {
      await poll().catch(() => undefined);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    client,
    stop: () => {
      stopped = true;
    },
  };
}
