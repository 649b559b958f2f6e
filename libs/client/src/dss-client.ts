import { readFileSync } from 'node:fs';
// Not '@dss/config': its index also exports the Nest module, and the client must not load Nest.
import {
  apiScheme,
  clusterDescriptionSchema,
  localClusterDescription,
  type ClusterDescription,
} from '@dss/config/pure';
import type { CallOptions, ClientOptions, EndpointStatus, Endpoints } from './client-types.js';
import { HttpCacheClient, type CacheClient } from './cache-client.js';
import { clusterStatus } from './cluster-status.js';
import { CLIENT_DEFAULTS } from './defaults.js';
import { normaliseBaseUrl } from './endpoint-pool.js';
import { InvalidArgumentError } from './errors.js';
import { HttpCaller, resolveRetryPolicy } from './http-caller.js';
import { defaultNewId } from './ids.js';
import { HttpLockClient, type LockClient } from './lock-client.js';
import { HttpQueueClient, type QueueClient } from './queue-client.js';

/** Base URLs of every role from a cluster description (the cluster.json Ansible and `npm start` write). */
export function endpointsFromCluster(cluster: ClusterDescription): Endpoints {
  const scheme = apiScheme(cluster);
  const of = (role: string) =>
    cluster.nodes.flatMap((node) => {
      const ports = node.ports[role];
      if (ports === undefined) return [];
      const host = node.host.includes(':') ? `[${node.host}]` : node.host; // an IPv6 literal
      return [`${scheme}://${host}:${ports.http}`];
    });
  return { lock: of('lock'), queue: of('queue'), cache: of('cache') };
}

/** The client of a DSS cluster: one sub-client per role, sharing the retry and failover rules. */
export class DssClient {
  readonly endpoints: Endpoints;
  readonly lock: LockClient;
  readonly queue: QueueClient;
  readonly cache: CacheClient;
  private readonly http: HttpCaller;

  constructor(options: ClientOptions) {
    const normalise = (urls: readonly string[]) => Object.freeze(urls.map(normaliseBaseUrl));
    this.endpoints = Object.freeze({
      lock: normalise(options.endpoints.lock),
      queue: normalise(options.endpoints.queue),
      cache: normalise(options.endpoints.cache),
    });
    const fetchFn = options.fetch ?? globalThis.fetch;
    const newId = options.newId ?? defaultNewId;
    const now = options.now ?? (() => performance.now());
    const timeoutMs = options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs;
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.http = new HttpCaller({
      endpoints: this.endpoints,
      fetch: fetchFn,
      timeoutMs,
      retry: resolveRetryPolicy(options.retry),
      token: options.token,
      random: options.random ?? Math.random,
      now,
    });
    this.lock = new HttpLockClient(this.http, newId, now);
    this.queue = new HttpQueueClient(this.http, newId);
    this.cache = new HttpCacheClient(this.http, this.endpoints.cache);
  }

  /** The local cluster of `npm start` (ports of docs/configuration.md shifted by offset). */
  static local(opts: { offset?: number; host?: string } & Omit<ClientOptions, 'endpoints'> = {}): DssClient {
    const { offset, host, ...rest } = opts;
    return DssClient.fromCluster(localClusterDescription({ offset, host }), rest);
  }

  /** Endpoints from a cluster description (cluster.json). */
  static fromCluster(cluster: ClusterDescription, opts: Omit<ClientOptions, 'endpoints'> = {}): DssClient {
    return new DssClient({ ...opts, endpoints: endpointsFromCluster(cluster) });
  }

  /** Reads and validates a cluster.json; InvalidArgumentError naming the file and the first problem. */
  static fromClusterFile(path: string, opts: Omit<ClientOptions, 'endpoints'> = {}): DssClient {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    const parsed = clusterDescriptionSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidArgumentError(`${path}: ${issue.path.join('.') || 'cluster'}: ${issue.message}`);
    }
    return DssClient.fromCluster(parsed.data, opts);
  }

  /** GET /health and GET /cluster of every endpoint of every role, in parallel; an unreachable daemon is reachable:false with error. */
  status(call?: CallOptions): Promise<EndpointStatus[]> {
    return clusterStatus(this.http, this.endpoints, call);
  }

  /** The base URL the next call of a role goes to (the one that answered last). */
  currentEndpoint(role: keyof Endpoints): string | undefined {
    return this.http.currentEndpoint(role);
  }
}
