import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureClusterCerts } from '../../scripts/local-cluster/tls-certs.js';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ClusterDescription } from '@dss/config';
import { getJson } from '../support/local-cluster.js';
import type { NetnsHosts } from '../support/netns/index.js';
import { eventually } from '../support/local-cluster.js';
import { ManagedProcess } from './managed-process.js';
import type { Role } from './workloads/workload-types.js';

// The three-VM deployment of DSS on the netns hosts, as Ansible lays it out:
// per host one lock, one queue and one cache daemon, a Redis (primary on vm1,
// replicas elsewhere) and a Sentinel. Started directly rather than through
// Ansible and PM2, so that the nemesis owns every pid; the deployment e2e
// proves the Ansible path on the same hosts.

export const ROLES: readonly Role[] = ['lock', 'queue', 'cache'];
export const PORTS: Record<Role, { http: number; peer: number }> = {
  lock: { http: 8001, peer: 9001 },
  queue: { http: 8011, peer: 9011 },
  cache: { http: 8021, peer: 9021 },
};
const REDIS_PORT = 6379;
const SENTINEL_PORT = 26379;
export const REDIS_NAME = 'dss';
/** As ansible/roles/redis/defaults/main.yml, except a shorter failover-timeout: a run fails Redis over more than once a minute. */
const SENTINEL = { downAfterMs: 5000, failoverTimeoutMs: 10_000 };

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
  private readonly sentinels = new Map<string, ManagedProcess>();

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

  get redis(): { name: string; sentinels: { host: string; port: number }[] } {
    return { name: REDIS_NAME, sentinels: this.nodes.map((n) => ({ host: this.address(n), port: SENTINEL_PORT })) };
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
      // Every replica must confirm a publish: with 1, a replica that confirmed it on a primary
      // cut off by a partition can be re-pointed at the new primary and drop it (docs/correctness.md, finding 7).
      redis: { mode: 'sentinel', name: REDIS_NAME, sentinels: this.redis.sentinels, replicasToAck: 2 },
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
    ensureClusterCerts(tlsDir, this.nodes.map((id) => ({ id, host: this.address(id) })), 'dss-chaos');
    const primary = this.address(this.nodes[0]!);
    for (const node of this.nodes) {
      const dir = join(workDir, node);
      mkdirSync(join(dir, 'redis'), { recursive: true });
      mkdirSync(join(dir, 'logs'), { recursive: true });
      const ns = net.host(node).ns;
      const address = this.address(node);
      const redisConf = join(dir, 'redis', 'redis.conf');
      writeFileSync(
        redisConf,
        [
          `bind ${address}`,
          `port ${REDIS_PORT}`,
          'protected-mode no',
          `dir ${join(dir, 'redis')}`,
          'appendonly yes',
          'appendfsync everysec',
          `replica-announce-ip ${address}`,
          ...(node === this.nodes[0] ? [] : [`replicaof ${primary} ${REDIS_PORT}`]),
          '',
        ].join('\n'),
      );
      const sentinelConf = join(dir, 'redis', 'sentinel.conf');
      writeFileSync(
        sentinelConf,
        [
          `bind ${address}`,
          `port ${SENTINEL_PORT}`,
          'protected-mode no',
          `dir ${join(dir, 'redis')}`,
          'sentinel resolve-hostnames no',
          `sentinel announce-ip ${address}`,
          `sentinel monitor ${REDIS_NAME} ${primary} ${REDIS_PORT} 2`,
          `sentinel down-after-milliseconds ${REDIS_NAME} ${SENTINEL.downAfterMs}`,
          `sentinel failover-timeout ${REDIS_NAME} ${SENTINEL.failoverTimeoutMs}`,
          `sentinel parallel-syncs ${REDIS_NAME} 1`,
          '',
        ].join('\n'),
      );
      this.redisServers.set(node, new ManagedProcess({ name: `redis@${node}`, ns, argv: ['redis-server', redisConf], logFile: join(dir, 'logs', 'redis.log') }));
      this.sentinels.set(node, new ManagedProcess({ name: `sentinel@${node}`, ns, argv: ['redis-server', sentinelConf, '--sentinel'], logFile: join(dir, 'logs', 'sentinel.log') }));
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
    await eventually(async () => (await this.replicasOnline()) === this.nodes.length - 1, 30_000, 200);
    for (const node of this.nodes) this.sentinels.get(node)!.start();
    for (const d of this.daemons.values()) d.start();
    await this.waitReady(60_000);
  }

  /** Replicas the current primary reports as online (0 when it cannot be asked). */
  async replicasOnline(): Promise<number> {
    const primary = (await this.redisPrimary()) ?? this.nodes[0]!;
    const info = await this.redisCommand(this.address(primary), REDIS_PORT, ['INFO', 'replication']).catch(() => '');
    return [...String(info).matchAll(/^slave\d+:.*state=online/gm)].length;
  }

  /** The node Sentinel names as primary (majority answer of the reachable sentinels). */
  async redisPrimary(): Promise<string | undefined> {
    const answers = await Promise.all(
      this.nodes.map((n) => this.redisCommand(this.address(n), SENTINEL_PORT, ['SENTINEL', 'get-master-addr-by-name', REDIS_NAME]).catch(() => undefined)),
    );
    const counts = new Map<string, number>();
    for (const a of answers) if (Array.isArray(a) && typeof a[0] === 'string') counts.set(a[0], (counts.get(a[0]) ?? 0) + 1);
    const best = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
    // Before the sentinels start, the configured primary.
    if (best === undefined) return answers.every((a) => a === undefined) && !this.sentinels.get(this.nodes[0]!)!.running ? this.nodes[0] : undefined;
    return this.nodes.find((n) => this.address(n) === best);
  }

  /** The lock daemon that says it is the Raft leader, if exactly one does. */
  async lockLeader(): Promise<string | undefined> {
    const views = await Promise.all(
      this.nodes.map(async (n) => ((await getJson<{ raft?: { state?: string } }>(`${this.url('lock', n)}/cluster`, 1000).catch(() => undefined))?.body.raft?.state === 'leader' ? n : undefined)),
    );
    const leaders = views.filter((n): n is string => n !== undefined);
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** Every daemon answers /ready and the Redis primary has both replicas. */
  async waitReady(timeoutMs: number): Promise<void> {
    await eventually(async () => {
      const ready = await Promise.all([...this.daemons.values()].map(async (d) => {
        const [role, node] = d.spec.name.split('@') as [Role, string];
        return (await getJson(`${this.url(role, node)}/ready`, 1000).catch(() => undefined))?.status === 200;
      }));
      return ready.every(Boolean) && (await this.replicasOnline()) === this.nodes.length - 1;
    }, timeoutMs, 250).catch(() => {
      throw new Error(`the chaos cluster was not ready within ${timeoutMs / 1000} s: ${this.describeProcesses()}`);
    });
  }

  describeProcesses(): string {
    const all = [...this.redisServers.values(), ...this.sentinels.values(), ...this.daemons.values()];
    return all.map((p) => `${p.spec.name}=${p.running ? `pid ${p.pid}` : 'down'}`).join(', ');
  }

  /** Graceful stop of the daemons, then Redis; the hosts themselves are the caller's. */
  async stop(): Promise<void> {
    await Promise.all([...this.daemons.values()].map((d) => d.stop()));
    await Promise.all([...this.sentinels.values(), ...this.redisServers.values()].map((p) => p.stop(5000)));
  }

  private async redisCommand(host: string, port: number, argv: readonly string[]): Promise<unknown> {
    const client = new Redis({ host, port, lazyConnect: true, enableOfflineQueue: false, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(argv[0]!, ...argv.slice(1));
    } finally {
      client.disconnect();
    }
  }
}
