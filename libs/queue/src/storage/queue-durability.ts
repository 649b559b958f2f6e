// Durability checks the service runs around writes. Redis answers a write
// once it is in memory and written (not necessarily fsynced) to the AOF, so
// a killed redis-server keeps it; WAIT adds "a replica has it too". Neither
// is fsync on the replica, and Redis 7.0 has no WAITAOF (7.2+).

import type { Redis } from 'ioredis';
import { connectionMark, waitForReplicas, type ConnectionMark } from '@dss/config';
import { callRedis } from './map-redis-error.js';
import { QueueInputError } from './queue-errors.js';
import type { AppendOnlyStatus, DurabilityResult } from './queue-types.js';

/**
 * Blocks until `replicas` replicas acknowledged every earlier write of this
 * connection, or `timeoutMs` passed (0 replicas: answers at once, no call).
 * `since` is the connection mark taken before the write: if the client
 * reconnected in between, nothing is known about the write (waitForReplicas).
 * Found by the chaos suite: a WAIT retried on a new primary acknowledged a
 * publish that was lost with the old one.
 */
export async function waitDurable(
  redis: Redis,
  replicas: number,
  timeoutMs: number,
  since: ConnectionMark = connectionMark(redis),
): Promise<DurabilityResult> {
  if (!Number.isSafeInteger(replicas) || replicas < 0)
    throw new QueueInputError(`replicas must be a non-negative integer, got ${replicas}`);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)
    throw new QueueInputError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  if (replicas === 0) return { requested: 0, acknowledged: 0, durable: true };
  const { acknowledged, reconnected } = await callRedis('wait', () =>
    waitForReplicas(redis, replicas, timeoutMs, since),
  );
  return durabilityOf(replicas, acknowledged, reconnected);
}

/** What a WAIT answer says: nothing when the connection changed since the write (see waitDurable). */
export function durabilityOf(replicas: number, acknowledged: number, reconnected: boolean): DurabilityResult {
  if (reconnected) return { requested: replicas, acknowledged: 0, durable: false, reconnected: true };
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
