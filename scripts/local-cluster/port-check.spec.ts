import { createServer } from 'node:net';
import { localClusterDescription } from '@dss/config/pure';
import { busyPorts } from './port-check.js';

describe('busyPorts', () => {
  it('covers the three Redis servers of raft mode', async () => {
    const cluster = localClusterDescription({ offset: 20_000 + (process.pid % 1000), redis: 'raft' });
    const third = cluster.redis?.mode === 'raft' ? cluster.redis.nodes[2]! : undefined;
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(third!.port, '127.0.0.1', r));
    try {
      // Only this one is ours to hold; anything else busy belongs to someone else on the machine.
      expect(await busyPorts(cluster)).toContain(`127.0.0.1:${third!.port}`);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
