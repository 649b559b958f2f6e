import type { ClusterDescription } from './cluster-description.js';

// The embedded default: three nodes on one machine, ports as in DESIGN.md
// section 3 (lock 8001-8003/9001-9003, queue 8011-8013/9011-9013, cache
// 8021-8023/9021-9023). `offset` shifts every port so that a test cluster can
// run beside a developer's cluster.

export const ROLE_BASE_PORTS = {
  lock: { http: 8001, peer: 9001 },
  queue: { http: 8011, peer: 9011 },
  cache: { http: 8021, peer: 9021 },
} as const;
export const LOCAL_REDIS_PORT = 6379;
export const LOCAL_NODE_COUNT = 3;

export function localClusterDescription(opts: { offset?: number; host?: string; redisPort?: number } = {}): ClusterDescription {
  const offset = opts.offset ?? 0;
  const host = opts.host ?? '127.0.0.1';
  const nodes = Array.from({ length: LOCAL_NODE_COUNT }, (_, i) => ({
    id: `node${i + 1}`,
    host,
    ports: Object.fromEntries(
      Object.entries(ROLE_BASE_PORTS).map(([role, base]) => [role, { http: base.http + offset + i, peer: base.peer + offset + i }]),
    ),
  }));
  return {
    name: 'dss-local',
    nodes,
    redis: { mode: 'standalone', host, port: opts.redisPort ?? LOCAL_REDIS_PORT + offset },
    security: { peerAuth: 'mtls', httpTls: false },
  };
}
