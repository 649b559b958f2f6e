import { Logger } from '@nestjs/common';
import { AbstractConnector, Redis } from 'ioredis';
import { createConnection, type Socket } from 'node:net';
import { backoffDelay, type BackoffPolicy } from '@dss/backoff';
import { redisReplicasToAck } from './cluster-description.js';
import type { NodeConfig } from './load-config.js';
import { StallAwareRedis, type ClassicRedisOptions } from './stall-aware-redis.js';
import type { TurnWaits } from './turn-waits.js';

/** Where the primary is now; asked on every (re)connection. */
export type PrimaryAddress = () => { readonly host: string; readonly port: number };

/**
 * Connects ioredis to whatever `primary()` names at the moment it dials, so a
 * reconnection after a failover reaches the new primary (the way ioredis's
 * own Sentinel connector asks Sentinel). A server that answers as a replica
 * is dropped and dialled again (`check`).
 */
export function primaryConnector(primary: PrimaryAddress) {
  return class PrimaryConnector extends AbstractConnector {
    constructor(options: unknown) {
      super((options as { disconnectTimeout?: number }).disconnectTimeout ?? 2000);
    }

    connect(): Promise<Socket> {
      this.connecting = true;
      const { host, port } = primary();
      return new Promise((resolve, reject) => {
        // ioredis expects the stream on the next tick, as its own connector does.
        process.nextTick(() => {
          if (!this.connecting) return reject(new Error('Connection is closed.'));
          const stream = createConnection({ host, port });
          stream.once('error', (err) => (this.firstError = err));
          this.stream = stream;
          resolve(stream);
        });
      });
    }

    override check(info: { role?: string }): boolean {
      return info.role === undefined || info.role === 'master';
    }
  };
}

/**
 * ioredis options for a standalone Redis, or for the primary of a `raft`
 * deployment as `primary` names it (RedisTopologyWatcher). No offline queue:
 * while Redis is down a command fails at once (503), rather than waiting in
 * memory and answering after the client gave up.
 */
/**
 * How soon a daemon's Redis connection is dialled again after it dropped: short
 * (50, 100, 200, then every 300 ms), so that after a failover the next dial
 * reaches the new primary within a few hundred milliseconds. No jitter: each
 * daemon has one connection per use, not a crowd of clients.
 */
export const REDIS_RECONNECT: BackoffPolicy = { baseMs: 50, maxMs: 300, jitter: 'none' };

export function redisOptions(config: NodeConfig, role: string, primary?: PrimaryAddress): ClassicRedisOptions {
  const redis = config.cluster.redis ?? { mode: 'standalone' as const, host: '127.0.0.1', port: 6379 };
  const common: ClassicRedisOptions = {
    enableOfflineQueue: false,
    // A command sent before the connection dropped may have run: ioredis would send it again on
    // the next connection (a failover's new primary, which may have the first run's effects
    // replicated). A consume run twice under one receipt nonce lost its first batch (chaos suite).
    autoResendUnfulfilledCommands: false,
    // ...and fails it at once (503) when the connection drops, instead of at its timeout.
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    // A call must fail (503) rather than hang while Redis is unreachable; a connection whose
    // command timed out unanswered is dialled again (StallAwareRedis). Above every WAIT's timeout.
    commandTimeout: 3000,
    retryStrategy: (times) => backoffDelay(REDIS_RECONNECT, times),
    connectionName: `dss-${role}-${config.self.id}`,
  };
  if (redis.mode === 'raft') {
    const first = redis.nodes[0]!;
    return { ...common, Connector: primaryConnector(primary ?? (() => first)) };
  }
  return { ...common, host: redis.host, port: redis.port };
}

/**
 * A client that logs losing and regaining Redis once each, not on every retry,
 * and dials again when its connection goes silent (StallAwareRedis).
 */
export function createRedisClient(config: NodeConfig, role: string, primary?: PrimaryAddress): StallAwareRedis {
  const logger = new Logger('Redis');
  const client = new StallAwareRedis(redisOptions(config, role, primary));
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.warn(`redis: ${err.message}`);
    down = true;
  });
  client.on('stalled', () => logger.warn('redis: a command timed out on a silent connection; dialling again'));
  client.on('ready', () => {
    if (down) logger.log('redis: connected again');
    down = false;
  });
  return client;
}

/** Replicas that must acknowledge a write before it counts (0 for one standalone Redis: nothing to wait for). */
export function replicasToAck(config: NodeConfig): number {
  return redisReplicasToAck(config.cluster.redis);
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
export async function waitForReplicas(
  redis: Redis,
  replicas: number,
  timeoutMs: number,
  since: ConnectionMark,
): Promise<{ acknowledged: number; reconnected: boolean }> {
  if (connectionMark(redis) !== since) return { acknowledged: 0, reconnected: true };
  const acknowledged = await redis.wait(replicas, timeoutMs);
  if (connectionMark(redis) !== since) return { acknowledged: 0, reconnected: true };
  return { acknowledged, reconnected: false };
}

/**
 * Sends `write` on `redis`, then the turn's WAIT right behind it (`waits`), before the write's
 * answer: one round trip for both, and one WAIT for all the writes of the turn. As with
 * waitForReplicas, `reconnected` says the connection changed between the write and the WAIT's
 * answer, so the count says nothing about the write.
 */
export async function writeThenWait<T>(
  redis: Redis,
  waits: TurnWaits,
  write: () => Promise<T>,
  replicas: number,
  timeoutMs: number,
): Promise<{ value: T; acknowledged: number; reconnected: boolean }> {
  const since = connectionMark(redis);
  const written = write();
  const wait = waits.wait(replicas, timeoutMs);
  wait.catch(() => undefined); // awaited below unless the write failed first
  const value = await written;
  const acknowledged = await wait;
  if (connectionMark(redis) !== since) return { value, acknowledged: 0, reconnected: true };
  return { value, acknowledged, reconnected: false };
}
