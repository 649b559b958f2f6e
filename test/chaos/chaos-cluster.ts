import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureClusterCerts } from '../../scripts/local-cluster/tls-certs.js';
import { REDIS_FAILOVER_SETTINGS } from '@dss/redis-ha/core';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ClusterDescription } from '@dss/config';
import { getJson } from '../support/local-cluster.js';
import type { NetnsHosts } from '../support/netns/index.js';
import { eventually } from '../support/local-cluster.js';
import { ManagedProcess } from './managed-process.js';
import type { Role } from './workloads/workload-types.js';

// The three-VM deployment of DSS on the netns hosts, as Ansible lays it out:
// per host one lock, one queue and one cache daemon and a Redis; the lock
// leader makes vm1's Redis the primary and fails it over (docs/redis-failover.md).
// Started directly rather than through
// Ansible and PM2, so that the nemesis owns every pid; the deployment e2e
// proves the Ansible path on the same hosts.

export const ROLES: readonly Role[] = ['lock', 'queue', 'cache'];
export const PORTS: Record<Role, { http: number; peer: number }> = {
  lock: { http: 8001, peer: 9001 },
  queue: { http: 8011, peer: 9011 },
  cache: { http: 8021, peer: 9021 },
};
export const REDIS_PORT = 6379;

export interface ChaosClusterOptions {
  readonly net: NetnsHosts;
  readonly workDir: string;
  /** Repository root: dist/ must hold the build. */
  readonly root: string;
  readonly cacheFlushIntervalMs: number;
}

export class ChaosCluster {
  readonly nodes: readonly string[];
  private readonly daemons = new Map<string, ManagedProcess>();
  private readonly redisServers = new Map<string, ManagedProcess>();

  private constructor(private readonly opts: ChaosClusterOptions) {
    this.nodes = opts.net.hosts.map((h) => h.name);
  }

  static async start(opts: ChaosClusterOptions): Promise<ChaosCluster> {
    const cluster = new ChaosCluster(opts);
    await cluster.boot();
    return cluster;
  }

  address(node: string): string {
    return this.opts.net.host(node).address;
  }

  url(role: Role, node: string): string {
    return `http://${this.address(node)}:${PORTS[role].http}`;
  }

  /** The Redis servers, as the cluster description names them. */
  get redis(): { nodes: { id: string; host: string; port: number }[] } {
    return { nodes: this.nodes.map((id) => ({ id, host: this.address(id), port: REDIS_PORT })) };
  }

  daemon(role: Role, node: string): ManagedProcess {
    const d = this.daemons.get(`${role}@${node}`);
    if (!d) throw new Error(`no ${role} daemon on ${node}`);
    return d;
  }

  redisServer(node: string): ManagedProcess {
    return this.redisServers.get(node)!;
  }

  description(): ClusterDescription {
    return {
      name: 'dss-chaos',
      nodes: this.nodes.map((id) => ({ id, host: this.address(id), ports: { ...PORTS } })),
      // replicasToAck is the default, a majority (1 replica): one host down never blocks a write.
      redis: { mode: 'raft', nodes: this.redis.nodes },
      // Six lines for the workload's eight keys: evictions and their write-backs run under every fault.
      cache: { maxEntries: 6, maxBytes: 256 * 1024 * 1024, flushIntervalMs: this.opts.cacheFlushIntervalMs },
    };
  }

  private async boot(): Promise<void> {
    const { workDir, root, net } = this.opts;
    const clusterFile = join(workDir, 'cluster.json');
    writeFileSync(clusterFile, JSON.stringify(this.description(), null, 2));
    // Peers authenticate with mutual TLS here as in a deployment (docs/security.md).
    const tlsDir = join(workDir, 'tls');
    ensureClusterCerts(
      tlsDir,
      this.nodes.map((id) => ({ id, host: this.address(id) })),
      'dss-chaos',
    );
    for (const node of this.nodes) {
      const dir = join(workDir, node);
      mkdirSync(join(dir, 'redis'), { recursive: true });
      mkdirSync(join(dir, 'logs'), { recursive: true });
      const ns = net.host(node).ns;
      const address = this.address(node);
      const redisConf = join(dir, 'redis', 'redis.conf');
      // No replicaof: every server starts alone, the lock leader attaches it to the primary.
      writeFileSync(
        redisConf,
        [
          `bind ${address}`,
          `port ${REDIS_PORT}`,
          'protected-mode no',
          `dir ${join(dir, 'redis')}`,
          `replica-announce-ip ${address}`,
          ...REDIS_FAILOVER_SETTINGS.map(([k, v]) => `${k} ${v}`),
          '',
        ].join('\n'),
      );
      this.redisServers.set(
        node,
        new ManagedProcess({
          name: `redis@${node}`,
          ns,
          argv: ['redis-server', redisConf],
          logFile: join(dir, 'logs', 'redis.log'),
        }),
      );
      for (const role of ROLES) {
        this.daemons.set(
          `${role}@${node}`,
          new ManagedProcess({
            name: `${role}@${node}`,
            ns,
            argv: [process.execPath, join(root, 'dist/apps/dss-node/src/main.js')],
            cwd: root,
            env: {
              NODE_ENV: 'production',
              DSS_NODE_ID: node,
              DSS_ROLE: role,
              DSS_CLUSTER_FILE: clusterFile,
              DSS_DATA_DIR: join(dir, role),
              DSS_BIND_HOST: address,
              DSS_TLS_DIR: tlsDir,
            },
            logFile: join(dir, 'logs', `${role}.log`),
          }),
        );
      }
    }
    for (const node of this.nodes) this.redisServers.get(node)!.start();
    for (const d of this.daemons.values()) d.start();
    await this.waitReady(60_000);
  }

  /** Replicas the current primary reports as online (0 when it cannot be asked). */
  async replicasOnline(): Promise<number> {
    const primary = await this.redisPrimary();
    if (primary === undefined) return 0;
    const info = await this.redisCommand(this.address(primary), REDIS_PORT, ['INFO', 'replication']).catch(() => '');
    return [...String(info).matchAll(/^slave\d+:.*state=online/gm)].length;
  }

  /** The Redis primary of the newest topology any lock node reports (GET /redis). */
  async redisPrimary(): Promise<string | undefined> {
    const views = await Promise.all(
      this.nodes.map((n) =>
        getJson<{ epoch?: number; primary?: string }>(`${this.url('lock', n)}/redis`, 1000).catch(() => undefined),
      ),
    );
    let best: { epoch: number; primary: string } | undefined;
    for (const v of views) {
      const { epoch, primary } = v?.body ?? {};
      if (typeof epoch === 'number' && typeof primary === 'string' && (best === undefined || epoch > best.epoch))
        best = { epoch, primary };
    }
    return best?.primary;
  }

  /** The lock daemon that says it is the Raft leader, if exactly one does. */
  async lockLeader(): Promise<string | undefined> {
    const views = await Promise.all(
      this.nodes.map(async (n) =>
        (await getJson<{ raft?: { state?: string } }>(`${this.url('lock', n)}/cluster`, 1000).catch(() => undefined))
          ?.body.raft?.state === 'leader'
          ? n
          : undefined,
      ),
    );
    const leaders = views.filter((n): n is string => n !== undefined);
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** Every daemon answers /ready and the Redis primary has both replicas. */
  async waitReady(timeoutMs: number): Promise<void> {
    await eventually(
      async () => {
        const ready = await Promise.all(
          [...this.daemons.values()].map(async (d) => {
            const [role, node] = d.spec.name.split('@') as [Role, string];
            return (await getJson(`${this.url(role, node)}/ready`, 1000).catch(() => undefined))?.status === 200;
          }),
        );
        return ready.every(Boolean) && (await this.replicasOnline()) === this.nodes.length - 1;
      },
      timeoutMs,
      250,
    ).catch(() => {
      throw new Error(`the chaos cluster was not ready within ${timeoutMs / 1000} s: ${this.describeProcesses()}`);
    });
  }

  describeProcesses(): string {
    const all = [...this.redisServers.values(), ...this.daemons.values()];
    return all.map((p) => `${p.spec.name}=${p.running ? `pid ${p.pid}` : 'down'}`).join(', ');
  }

  /** Graceful stop of the daemons, then Redis; the hosts themselves are the caller's. */
  async stop(): Promise<void> {
    await Promise.all([...this.daemons.values()].map((d) => d.stop()));
    await Promise.all([...this.redisServers.values()].map((p) => p.stop(5000)));
  }

  private async redisCommand(host: string, port: number, argv: readonly string[]): Promise<unknown> {
    const client = new Redis({
      host,
      port,
      lazyConnect: true,
      enableOfflineQueue: false,
      connectTimeout: 1000,
      commandTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(argv[0]!, ...argv.slice(1));
    } finally {
      client.disconnect();
    }
  }
}
