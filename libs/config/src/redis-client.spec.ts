import { localClusterDescription } from './local-cluster.js';
import type { NodeConfig } from './load-config.js';
import { redisOptions } from './redis-client.js';

const base = (redis: NodeConfig['cluster']['redis']): NodeConfig => {
  const cluster = { ...localClusterDescription(), redis };
  return { cluster, self: { id: 'node1', host: '127.0.0.1', httpPort: 8011, peerPort: 9011 }, peers: [], settings: {} as NodeConfig['settings'] };
};

describe('redisOptions', () => {
  it('connects to a standalone Redis, failing fast while it is down', () => {
    const o = redisOptions(base({ mode: 'standalone', host: '10.0.0.5', port: 6380 }), 'queue');
    expect(o).toMatchObject({ host: '10.0.0.5', port: 6380, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 });
    expect(o.sentinels).toBeUndefined();
  });

  it('dials the primary the topology names at each connection, in a raft deployment', () => {
    const nodes = [
      { id: 'node1', host: '192.0.2.1', port: 6379 },
      { id: 'node2', host: '192.0.2.2', port: 6379 },
    ];
    const o = redisOptions(base({ mode: 'raft', nodes }), 'cache', () => nodes[1]!);
    expect(o.Connector).toBeDefined();
    expect(o.host).toBeUndefined();
    expect(o.connectionName).toBe('dss-cache-node1');
    expect(o).toMatchObject({ enableOfflineQueue: false });
  });
});
