import { z } from 'zod';

// The one description of the cluster that every process reads: which nodes
// exist, where they listen for each role, and where Redis is. Ansible writes
// it from the inventory; `npm start` writes the local one.

export const NODE_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** Enough for any real deployment; a longer list is a typo, not a cluster. */
export const MAX_CLUSTER_NODES = 15;

const port = z.number().int().min(1).max(65535);
const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or IP address');

/**
 * The operator's web console (docs/console.md): served by its own process on
 * each machine, it talks to the daemons over their client API and has no peers.
 */
export const CONSOLE_ROLE = 'console';

/**
 * A role's ports: its HTTP API, its peer transport, and (the cache role) its
 * Redis-protocol front door. Every role but the console has a peer port.
 */
export const rolePortsSchema = z.strictObject({ http: port, peer: port.optional(), resp: port.optional() });

export const nodeDescriptionSchema = z.strictObject({
  id: z.string().regex(NODE_ID_PATTERN, 'must match ' + NODE_ID_PATTERN.source),
  /** Address peers and clients use to reach this node. */
  host,
  ports: z.record(
    z.string().regex(ROLE_NAME_PATTERN, 'role names must match ' + ROLE_NAME_PATTERN.source),
    rolePortsSchema,
  ),
});

const redisStandalone = z.strictObject({ mode: z.literal('standalone'), host, port });

/** One Redis server of a `raft` deployment: one per machine, named like the machine's node. */
export const redisNodeSchema = z.strictObject({
  id: z.string().regex(NODE_ID_PATTERN, 'must match ' + NODE_ID_PATTERN.source),
  host,
  port,
});
/**
 * Redis replicated across machines, its primary chosen by the lock nodes' Raft
 * group (docs/redis-failover.md): the topology (primary, replicas, epoch) is
 * in the replicated log, the lock leader fails over, queue and cache daemons
 * learn the primary from the lock nodes. `nodes[0]` is the first primary.
 */
const redisRaft = z.strictObject({
  mode: z.literal('raft'),
  nodes: z.array(redisNodeSchema).min(1).max(MAX_CLUSTER_NODES),
  /**
   * Replicas that must confirm a write (Redis WAIT) before it counts. Absent:
   * a majority of the Redis nodes with the primary, floor(n/2) (1 of 3), so
   * one machine down never blocks writes. At most n-1.
   */
  replicasToAck: z
    .number()
    .int()
    .min(0)
    .max(MAX_CLUSTER_NODES - 1)
    .optional(),
});

/** Cache role settings shared by every cache node (docs/configuration.md). */
export const CACHE_DEFAULTS = { maxEntries: 100_000, maxBytes: 256 * 1024 * 1024, flushIntervalMs: 1000 } as const;
export const cacheSettingsSchema = z.strictObject({
  /** Lines one node keeps before evicting the least recently used. */
  maxEntries: z.number().int().min(1).max(10_000_000).default(CACHE_DEFAULTS.maxEntries),
  /** Bytes of keys and values one node keeps before evicting. */
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024 * 1024)
    .default(CACHE_DEFAULTS.maxBytes),
  /** How often Modified lines are written back: a killed node loses at most this much of its writes. */
  flushIntervalMs: z.number().int().min(10).max(600_000).default(CACHE_DEFAULTS.flushIntervalMs),
});

/** How peers prove who they are (docs/security.md). */
export const PEER_AUTH_MODES = ['mtls', 'none'] as const;
export const securitySettingsSchema = z.strictObject({
  /**
   * `mtls` (the default, also when the block is absent): peers talk TLS 1.3
   * with certificates from the cluster CA whose common name is their node id.
   * `none` is for a trusted network only: anyone who reaches a peer port can vote.
   */
  peerAuth: z.enum(PEER_AUTH_MODES).default('mtls'),
  /** The client API speaks HTTPS on every node (each needs DSS_HTTP_TLS_CERT and _KEY); clients read the scheme here. */
  httpTls: z.boolean().default(false),
});

/** What the console links to (docs/console.md). */
export const monitoringSettingsSchema = z.strictObject({
  /** Grafana's address as an operator's browser reaches it, e.g. http://192.168.56.14:3000. */
  grafanaUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
});

export const clusterDescriptionSchema = z
  .strictObject({
    name: z.string().min(1).max(64).default('dss'),
    nodes: z.array(nodeDescriptionSchema).min(1).max(MAX_CLUSTER_NODES),
    redis: z.discriminatedUnion('mode', [redisStandalone, redisRaft]).optional(),
    cache: cacheSettingsSchema.optional(),
    security: securitySettingsSchema.optional(),
    monitoring: monitoringSettingsSchema.optional(),
  })
  .superRefine((cluster, ctx) => {
    if (cluster.redis?.mode === 'raft') checkRedisNodes(cluster.redis, ctx);
    const ids = new Set<string>();
    const endpoints = new Map<string, string>();
    cluster.nodes.forEach((node, i) => {
      if (ids.has(node.id)) {
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `duplicate node id "${node.id}"` });
      }
      ids.add(node.id);
      for (const [role, ports] of Object.entries(node.ports)) {
        if (role !== CONSOLE_ROLE && ports.peer === undefined)
          ctx.addIssue({ code: 'custom', path: ['nodes', i, 'ports', role, 'peer'], message: 'is required' });
        for (const kind of ['http', 'peer', 'resp'] as const) {
          if (ports[kind] === undefined) continue;
          const key = `${node.host}:${ports[kind]}`;
          const where = `nodes[${i}].ports.${role}.${kind}`;
          const clash = endpoints.get(key);
          if (clash) {
            ctx.addIssue({
              code: 'custom',
              path: ['nodes', i, 'ports', role, kind],
              message: `${key} is already used by ${clash}`,
            });
          }
          endpoints.set(key, where);
        }
      }
    });
  });

function checkRedisNodes(redis: z.infer<typeof redisRaft>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  redis.nodes.forEach((n, i) => {
    const at = `${n.host}:${n.port}`;
    if (seen.has(n.id) || seen.has(at))
      ctx.addIssue({ code: 'custom', path: ['redis', 'nodes', i], message: `duplicate Redis node "${n.id}" (${at})` });
    seen.add(n.id).add(at);
  });
  if (redis.replicasToAck !== undefined && redis.replicasToAck > redis.nodes.length - 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['redis', 'replicasToAck'],
      message: `must be at most ${redis.nodes.length - 1}: there are ${redis.nodes.length} Redis nodes, one of them the primary`,
    });
  }
}

export type RolePorts = z.infer<typeof rolePortsSchema>;
export type NodeDescription = z.infer<typeof nodeDescriptionSchema>;
export type ClusterDescription = z.infer<typeof clusterDescriptionSchema>;
export type CacheSettings = z.infer<typeof cacheSettingsSchema>;
export type SecuritySettings = z.infer<typeof securitySettingsSchema>;
export type PeerAuthMode = (typeof PEER_AUTH_MODES)[number];

/** The scheme of every node's client API. */
export function apiScheme(cluster: Pick<ClusterDescription, 'security'>): 'http' | 'https' {
  return cluster.security?.httpTls ? 'https' : 'http';
}

/** The cluster's peer authentication: mTLS unless the description says `none`. */
export function peerAuthOf(cluster: Pick<ClusterDescription, 'security'>): PeerAuthMode {
  return cluster.security?.peerAuth ?? 'mtls';
}
export type RedisDescription = NonNullable<ClusterDescription['redis']>;
export type RaftRedisDescription = Extract<RedisDescription, { mode: 'raft' }>;
export type RedisNodeDescription = z.infer<typeof redisNodeSchema>;

/** Replicas a write waits for: the description's, else a majority with the primary (floor(n/2)); 0 for one standalone Redis. */
export function redisReplicasToAck(redis: RedisDescription | undefined): number {
  if (redis?.mode !== 'raft') return 0;
  return redis.replicasToAck ?? Math.floor(redis.nodes.length / 2);
}
