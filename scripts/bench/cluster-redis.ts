// Where BullMQ's side of the queue comparison finds "the cluster's Redis": the
// primary the lock nodes name at GET /redis (docs/redis-failover.md). After a
// Redis failover the primary is no longer 127.0.0.1:6379, and a BullMQ pinned
// there writes to a replica and fails with READONLY.
import { fetchTopology, type TopologyAnswer } from '../local-cluster/redis-topology.js';
import type { RedisAddress } from './queue-consumer.js';

/** The local cluster's first Redis: what a cluster without GET /redis (standalone Redis) uses. */
export const DEFAULT_REDIS: RedisAddress = { host: '127.0.0.1', port: 6379 };

/** The primary of a topology answer; undefined unless the answer names one that is reachable and a primary. */
export function primaryAddress(answer: TopologyAnswer): RedisAddress | undefined {
  if (answer.kind !== 'ok') return undefined;
  const primary = answer.view.nodes.find((n) => n.id === answer.view.primary);
  if (!primary?.reachable || primary.role !== 'primary') return undefined;
  return { host: primary.host, port: primary.port };
}

/** The cluster's Redis primary as its lock nodes see it now, and how it was found (for the bench's header). */
export async function clusterRedis(lockUrls: readonly string[]): Promise<{ address: RedisAddress; how: string }> {
  const answer = await fetchTopology(lockUrls);
  const primary = primaryAddress(answer);
  if (primary && answer.kind === 'ok')
    return { address: primary, how: `the cluster's Redis primary, ${answer.view.primary} (GET ${answer.url})` };
  const { host, port } = DEFAULT_REDIS;
  return {
    address: DEFAULT_REDIS,
    how: `${host}:${port}: no lock node named a reachable primary at GET /redis (pass --redis host:port)`,
  };
}
