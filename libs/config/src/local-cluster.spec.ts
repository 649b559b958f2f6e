import { redisReplicasToAck } from './cluster-description.js';
import { parseClusterDescription } from './load-config.js';
import { localClusterDescription, localRedisNodes } from './local-cluster.js';

describe('localClusterDescription', () => {
  it('describes one standalone Redis by default, shifted by the offset', () => {
    const cluster = localClusterDescription({ offset: 100 });
    expect(cluster.redis).toEqual({ mode: 'standalone', host: '127.0.0.1', port: 6479 });
    expect(cluster.nodes.map((n) => n.ports.lock!.http)).toEqual([8101, 8102, 8103]);
    expect(localClusterDescription({ redisPort: 7000 }).redis).toEqual({
      mode: 'standalone',
      host: '127.0.0.1',
      port: 7000,
    });
  });

  it('describes three Redis servers named like the nodes in raft mode, node1 first (the primary of epoch 0)', () => {
    const cluster = localClusterDescription({ offset: 10, redis: 'raft' });
    expect(cluster.redis).toEqual({
      mode: 'raft',
      nodes: [
        { id: 'node1', host: '127.0.0.1', port: 6389 },
        { id: 'node2', host: '127.0.0.1', port: 6390 },
        { id: 'node3', host: '127.0.0.1', port: 6391 },
      ],
    });
    expect(redisReplicasToAck(cluster.redis)).toBe(1);
    expect(localRedisNodes(7000, '10.0.0.1').map((n) => `${n.id}@${n.host}:${n.port}`)).toEqual([
      'node1@10.0.0.1:7000',
      'node2@10.0.0.1:7001',
      'node3@10.0.0.1:7002',
    ]);
  });

  it('passes the cluster description schema in both modes', () => {
    for (const redis of ['standalone', 'raft'] as const) {
      const cluster = localClusterDescription({ offset: 5, redis });
      expect(parseClusterDescription(JSON.parse(JSON.stringify(cluster)), 'local')).toMatchObject({
        redis: { mode: redis },
      });
    }
  });
});
