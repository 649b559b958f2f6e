import { StallAwareRedis } from '@dss/config';
import type { Redis } from 'ioredis';
import { backoffDelay, type BackoffPolicy } from '@dss/backoff';
import { parseReplicationInfo, type Probe, type RedisNodeAddress } from '../core/index.js';

/** One probe or command to one Redis node gives up after this long: a dead primary must be noticed within a few probes. */
export const REDIS_PROBE_TIMEOUT_MS = 250;
/** A probe connection is dialled again every 100 ms: the next probe round needs it, whoever is down. */
export const REDIS_PROBE_RECONNECT: BackoffPolicy = { baseMs: 100, maxMs: 100, jitter: 'none' };
/** The key the lock leader writes on each new primary: the epoch that promoted it (a fence against a stale leader). */
export const REDIS_EPOCH_KEY = 'dss:redis:epoch';

/**
 * The lock nodes' administrative connection to one Redis node: INFO
 * replication, REPLICAOF, the epoch key. Never queues: a command to a node
 * that is down fails at once, to one that does not answer after the timeout.
 */
export class RedisNodeClient {
  private readonly redis: Redis;

  constructor(
    readonly node: RedisNodeAddress,
    connectionName: string,
  ) {
    // A probe connection left silent by a partition is dialled again after one unanswered probe.
    this.redis = new StallAwareRedis({
      host: node.host,
      port: node.port,
      connectionName,
      enableOfflineQueue: false,
      // Never replay a REPLICAOF on a new connection, after the leadership lease that allowed it.
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: REDIS_PROBE_TIMEOUT_MS * 2,
      commandTimeout: REDIS_PROBE_TIMEOUT_MS,
      retryStrategy: (times) => backoffDelay(REDIS_PROBE_RECONNECT, times),
    });
    this.redis.on('error', () => undefined); // a node down is what the probes report
  }

  async probe(): Promise<Probe> {
    try {
      return { id: this.node.id, info: parseReplicationInfo(await this.redis.info('replication')) };
    } catch (err) {
      return { id: this.node.id, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** REPLICAOF NO ONE: stop following anyone (fence, or promote). */
  async detach(): Promise<void> {
    await this.redis.call('REPLICAOF', 'NO', 'ONE');
  }

  async follow(primary: RedisNodeAddress): Promise<void> {
    await this.redis.call('REPLICAOF', primary.host, String(primary.port));
  }

  async epoch(): Promise<number> {
    return Number((await this.redis.get(REDIS_EPOCH_KEY)) ?? 0);
  }

  async setEpoch(epoch: number): Promise<void> {
    await this.redis.set(REDIS_EPOCH_KEY, String(epoch));
  }

  close(): void {
    this.redis.disconnect();
  }
}
