import type { CallOptions, DaemonStatus, EndpointStatus, Endpoints, Role } from './client-types.js';
import { daemonStatusAnswer } from './answers.js';
import { CLIENT_DEFAULTS } from './defaults.js';
import type { HttpCaller } from './http-caller.js';

// DssClient.status(): GET /health and GET /cluster of every endpoint of every
// role, in parallel, one attempt each (the point is to see each daemon, not to
// fail over). One unreachable daemon is a row, never an exception.

async function endpointStatus(http: HttpCaller, role: Role, url: string, call: CallOptions): Promise<EndpointStatus> {
  const timeoutMs = call.timeoutMs ?? CLIENT_DEFAULTS.statusTimeoutMs;
  const [health, cluster] = await Promise.all([
    http.once(url, 'GET', '/health', timeoutMs, call.signal),
    http.once(url, 'GET', '/cluster', timeoutMs, call.signal),
  ]);
  if (health.kind === 'aborted') throw health.reason;
  if (cluster.kind === 'aborted') throw cluster.reason;
  const reachable = health.kind === 'answer' || cluster.kind === 'answer';
  const healthy = health.kind === 'answer' && health.status === 200;
  let daemon: DaemonStatus | undefined;
  let error: string | undefined;
  if (health.kind === 'failed') error = `GET /health: ${health.error}`;
  else if (!healthy) error = `GET /health answered HTTP ${health.status}`;
  if (cluster.kind === 'answer' && cluster.status === 200 && daemonStatusAnswer.safeParse(cluster.body).success) {
    daemon = cluster.body as DaemonStatus; // checked just above; kept whole, role-specific parts included
  } else {
    error ??=
      cluster.kind === 'failed'
        ? `GET /cluster: ${cluster.error}`
        : `GET /cluster answered HTTP ${cluster.status} with an unexpected body`;
  }
  return {
    role,
    url,
    reachable,
    healthy,
    ...(health.kind === 'answer' ? { latencyMs: Math.round(health.latencyMs * 10) / 10 } : {}),
    ...(daemon ? { cluster: daemon } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/** Every endpoint, in role order (lock, queue, cache) and list order. Rejects only when call.signal aborts. */
export function clusterStatus(
  http: HttpCaller,
  endpoints: Endpoints,
  call: CallOptions = {},
): Promise<EndpointStatus[]> {
  const roles: Role[] = ['lock', 'queue', 'cache'];
  return Promise.all(roles.flatMap((role) => endpoints[role].map((url) => endpointStatus(http, role, url, call))));
}
