import {
  CONSOLE_ROLE,
  type ClusterDescription,
  type RolePorts,
  type RedisDescription,
  type RedisNodeDescription,
} from './cluster-description.js';

// The embedded default: three nodes on one machine, ports as in docs/configuration.md
// section 3 (lock 8001-8003/9001-9003, queue 8011-8013/9011-9013, cache
// 8021-8023/9021-9023 and its Redis protocol on 7021-7023, the console on
// 8031-8033). `offset` shifts every
// port so that a test cluster can run beside a developer's cluster.

export const ROLE_BASE_PORTS = {
  lock: { http: 8001, peer: 9001 },
  queue: { http: 8011, peer: 9011 },
  cache: { http: 8021, peer: 9021, resp: 7021 },
} as const satisfies Record<string, { readonly http: number; readonly peer: number; readonly resp?: number }>;
/** The operator console's HTTP port on node1 (node2 8032, node3 8033): the next block of ten after the cache's. */
export const CONSOLE_BASE_PORT = 8031;
/** The standalone Redis, and the first of the `raft` mode's servers (node1 6379, node2 6380, node3 6381). */
export const LOCAL_REDIS_PORT = 6379;
export const LOCAL_NODE_COUNT = 3;

/**
 * How the local cluster runs Redis: `raft` is the production topology (one
 * server per node, the primary chosen by the lock nodes, docs/redis-failover.md),
 * what `npm start` runs; `standalone` is one server with nothing to fail over.
 */
export const LOCAL_REDIS_MODES = ['standalone', 'raft'] as const;
export type LocalRedisMode = (typeof LOCAL_REDIS_MODES)[number];

export interface LocalClusterOptions {
  readonly offset?: number;
  readonly host?: string;
  /** The standalone server's port, or the first `raft` server's (the others follow it). Default 6379 + offset. */
  readonly redisPort?: number;
  /** Default `standalone`, which test suites with their own Redis rely on; `npm start` asks for `raft`. */
  readonly redis?: LocalRedisMode;
  /** Run the operator console on every node (ports 8031-8033 + offset); `npm start` does, test clusters need not. */
  readonly console?: boolean;
}

/** The `raft` mode's servers: one per local node, named like it, on consecutive ports from `firstPort`. */
export function localRedisNodes(firstPort: number, host = '127.0.0.1'): RedisNodeDescription[] {
  return Array.from({ length: LOCAL_NODE_COUNT }, (_, i) => ({ id: `node${i + 1}`, host, port: firstPort + i }));
}

export function localClusterDescription(opts: LocalClusterOptions = {}): ClusterDescription {
  const offset = opts.offset ?? 0;
  const host = opts.host ?? '127.0.0.1';
  const redisPort = opts.redisPort ?? LOCAL_REDIS_PORT + offset;
  const nodes = Array.from({ length: LOCAL_NODE_COUNT }, (_, i) => ({
    id: `node${i + 1}`,
    host,
    ports: Object.fromEntries<RolePorts>(
      Object.entries(ROLE_BASE_PORTS).map(([role, base]) => [
        role,
        {
          http: base.http + offset + i,
          peer: base.peer + offset + i,
          ...('resp' in base ? { resp: base.resp + offset + i } : {}),
        },
      ]),
    ),
  }));
  if (opts.console) nodes.forEach((node, i) => (node.ports[CONSOLE_ROLE] = { http: CONSOLE_BASE_PORT + offset + i }));
  // replicasToAck stays absent in `raft` mode: the default, a majority with the primary (1 of 3).
  const redis: RedisDescription =
    opts.redis === 'raft'
      ? { mode: 'raft', nodes: localRedisNodes(redisPort, host) }
      : { mode: 'standalone', host, port: redisPort };
  return {
    name: 'dss-local',
    nodes,
    redis,
    security: { peerAuth: 'mtls', httpTls: false },
  };
}
