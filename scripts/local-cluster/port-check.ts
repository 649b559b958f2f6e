import { createServer } from 'node:net';
import type { ClusterDescription } from '@dss/config/pure';

/** True when nothing listens on host:port (we could bind it ourselves). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Every port the cluster would listen on (HTTP, peer, Redis) that is taken already. */
export async function busyPorts(cluster: ClusterDescription): Promise<string[]> {
  const wanted = cluster.nodes.flatMap((n) =>
    Object.values(n.ports).flatMap((p) => [
      `${n.host}:${p.http}`,
      ...(p.peer !== undefined ? [`${n.host}:${p.peer}`] : []),
      ...(p.resp !== undefined ? [`${n.host}:${p.resp}`] : []),
    ]),
  );
  if (cluster.redis?.mode === 'standalone') wanted.push(`${cluster.redis.host}:${cluster.redis.port}`);
  if (cluster.redis?.mode === 'raft') wanted.push(...cluster.redis.nodes.map((r) => `${r.host}:${r.port}`));
  const free = await Promise.all(
    wanted.map((hp) => {
      const i = hp.lastIndexOf(':');
      return portIsFree(hp.slice(0, i), Number(hp.slice(i + 1)));
    }),
  );
  return wanted.filter((_, i) => !free[i]);
}
