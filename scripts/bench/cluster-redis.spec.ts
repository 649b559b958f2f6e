import { parseTopology, type RedisTopologyView, type TopologyAnswer } from '../local-cluster/redis-topology.js';
import { primaryAddress } from './cluster-redis.js';

const server = (id: string, port: number, role: string, reachable = true) => ({
  id,
  host: '127.0.0.1',
  port,
  reachable,
  role,
  linkUp: role === 'replica' ? true : null,
  offset: 100,
});
/** After a failover: node2 (6380) is the primary, 6379 a replica. */
const afterFailover = (primaryRole = 'primary', primaryReachable = true): TopologyAnswer => ({
  kind: 'ok',
  url: 'http://127.0.0.1:8001',
  view: parseTopology({
    epoch: 1,
    primary: 'node2',
    replicas: ['node1', 'node3'],
    replicasToAck: 1,
    leader: 'node1',
    nodes: [
      server('node1', 6379, 'replica'),
      server('node2', 6380, primaryRole, primaryReachable),
      server('node3', 6381, 'replica'),
    ],
  }) as RedisTopologyView,
});

describe("the queue bench's Redis", () => {
  it('is the primary the lock nodes name, not the first server', () => {
    expect(primaryAddress(afterFailover())).toEqual({ host: '127.0.0.1', port: 6380 });
  });

  it('is unknown while the named primary is unreachable or not a primary yet', () => {
    expect(primaryAddress(afterFailover('primary', false))).toBeUndefined();
    expect(primaryAddress(afterFailover('replica'))).toBeUndefined();
  });

  it('is unknown when no lock node serves the topology', () => {
    expect(primaryAddress({ kind: 'absent' })).toBeUndefined();
    expect(primaryAddress({ kind: 'unknown', reasons: ['http://127.0.0.1:8001: unreachable'] })).toBeUndefined();
  });
});
