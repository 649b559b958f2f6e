// Durability checks the service runs around writes. Redis answers a write
// once it is in memory and written (not necessarily fsynced) to the AOF, so
// a killed redis-server keeps it; WAIT adds "a replica has it too". Neither
// is fsync on the replica, and Redis 7.0 has no WAITAOF (7.2+).

import type { Redis } from 'ioredis';
import { callRedis } from './map-redis-error.js';
import { QueueInputError } from './queue-errors.js';
import type { AppendOnlyStatus, DurabilityResult } from './queue-types.js';

/** Identifies the connection a client is on now; see waitDurable's `since`. */
export type ConnectionMark = unknown;

/** ioredis replaces its socket on every reconnection (a Sentinel failover is one). */
export function connectionMark(redis: Redis): ConnectionMark {
  return redis.stream;
}

/**
 * Blocks until `replicas` replicas acknowledged every earlier write of this
 * connection, or `timeoutMs` passed (0 replicas: answers at once, no call).
 * WAIT is per connection: it counts acknowledgements of the writes made on the
 * connection it runs on. So `since` (the mark taken before the write) must
 * still be the connection after WAIT: if the client reconnected in between (a
 * failover, and ioredis retrying the WAIT on the new primary, where it has no
 * writes to wait for and answers at once), the answer says nothing about the
 * write, which may be lost with the old primary. Found by the chaos suite.
 */
export async function waitDurable(redis: Redis, replicas: number, timeoutMs: number, since?: ConnectionMark): Promise<DurabilityResult> {
  if (!Number.isSafeInteger(replicas) || replicas < 0) throw new QueueInputError(`replicas must be a non-negative integer, got ${replicas}`);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new QueueInputError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  if (replicas === 0) return { requested: 0, acknowledged: 0, durable: true };
  const reconnected = (): boolean => since !== undefined && connectionMark(redis) !== since;
  if (reconnected()) return { requested: replicas, acknowledged: 0, durable: false, reconnected: true };
  const acknowledged = await callRedis('wait', () => redis.wait(replicas, timeoutMs));
  if (reconnected()) return { requested: replicas, acknowledged: 0, durable: false, reconnected: true };
  return { requested: replicas, acknowledged, durable: acknowledged >= replicas };
}

/** Reads CONFIG GET appendonly/appendfsync (RESP2 pairs or a RESP3 map). */
export async function checkAppendOnly(redis: Redis): Promise<AppendOnlyStatus> {
  const reply: unknown = await callRedis('config get', () => redis.config('GET', 'appendonly', 'appendfsync'));
  const config = configMap(reply);
  const appendfsync = config.get('appendfsync');
  const enabled = config.get('appendonly') === 'yes';
  return appendfsync === undefined ? { enabled } : { enabled, appendfsync };
}

function configMap(reply: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), String(reply[i + 1]));
  } else if (reply instanceof Map) {
    for (const [k, v] of reply) out.set(String(k), String(v));
  } else if (typeof reply === 'object' && reply !== null) {
    for (const [k, v] of Object.entries(reply)) out.set(k, String(v));
  }
  return out;
}
