import { localClusterDescription } from './local-cluster.js';
import type { NodeConfig } from './load-config.js';
import { Redis } from 'ioredis';
import { redisOptions } from './redis-client.js';
import { startRedisServer } from '../../../test/support/redis-server.js';

const base = (redis: NodeConfig['cluster']['redis']): NodeConfig => {
  const cluster = { ...localClusterDescription(), redis };
  return {
    cluster,
    self: { id: 'node1', host: '127.0.0.1', httpPort: 8011, peerPort: 9011 },
    peers: [],
    settings: {} as NodeConfig['settings'],
  };
};

describe('redisOptions', () => {
  it('connects to a standalone Redis, failing fast while it is down', () => {
    const o = redisOptions(base({ mode: 'standalone', host: '10.0.0.5', port: 6380 }), 'queue');
    expect(o).toMatchObject({
      host: '10.0.0.5',
      port: 6380,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 3000,
    });
    expect(o.sentinels).toBeUndefined();
    // Dialled again soon after a drop (the next dial may reach a new primary), never slower than 300 ms.
    expect([1, 2, 3, 4, 10].map((n) => o.retryStrategy?.(n))).toEqual([50, 100, 200, 300, 300]);
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

describe('redisOptions against a real Redis', () => {
  it('never sends a command again on the next connection once it may have run', async () => {
    // The chaos suite: a consume whose reply a partition held back ran again on the new primary
    // after a failover, under the same receipts, and its first batch was never delivered.
    const server = await startRedisServer();
    const client = new Redis({
      ...redisOptions(base({ mode: 'standalone', host: '127.0.0.1', port: server.port }), 'queue'),
      lazyConnect: true,
    });
    try {
      await client.connect();
      const other = server.client();
      client.stream.pause(); // the reply will not be read
      const incr = client.incr('runs').then(
        () => 'answered',
        (err: Error) => err.message,
      );
      for (let i = 0; i < 100 && (await other.get('runs')) === null; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await other.get('runs')).toBe('1');
      client.disconnect(true);
      // Failed when the connection closed, not answered from a second run (nor left to time out).
      expect(await incr).toMatch(/max retries per request/i);
      await new Promise<void>((resolve) =>
        client.status === 'ready' ? resolve() : client.once('ready', () => resolve()),
      );
      await client.ping();
      expect(await other.get('runs')).toBe('1');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
