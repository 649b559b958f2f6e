import { apiScheme, type ClusterDescription } from '@dss/config/pure';

export interface DaemonEndpoint {
  readonly node: string;
  readonly role: string;
  readonly url: string;
}

/** Every daemon of the description with its client URL, in node then role order. */
export function daemonEndpoints(cluster: ClusterDescription): DaemonEndpoint[] {
  return cluster.nodes.flatMap((node) =>
    Object.entries(node.ports).map(([role, ports]) => ({
      node: node.id,
      role,
      url: `${apiScheme(cluster)}://${node.host}:${ports.http}`,
    })),
  );
}

/** GET url with a timeout; resolves to the status code, or 0 when nothing answered. */
export async function probe(url: string, timeoutMs = 1000): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Polls GET /ready of every daemon until all answer 200; returns those that never did. */
export async function waitReady(daemons: readonly DaemonEndpoint[], timeoutMs: number): Promise<DaemonEndpoint[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...daemons];
  while (pending.length > 0 && Date.now() < deadline) {
    const codes = await Promise.all(pending.map((d) => probe(`${d.url}/ready`)));
    pending = pending.filter((_, i) => codes[i] !== 200);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 200));
  }
  return pending;
}
