import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  LOCAL_REDIS_MODES,
  type ClusterDescription,
  type LocalRedisMode,
  type RedisNodeDescription,
} from '@dss/config/pure';
import { REDIS_FAILOVER_SETTINGS } from '@dss/redis-ha/core';
import type { LocalPaths } from './paths.js';

// The Redis servers of the local cluster as PM2 apps. `raft` mode (what npm
// start runs) is the production topology: one server per node, each started
// as a primary with no replicas; the lock leader attaches the replicas and
// fails over (docs/redis-failover.md). `standalone` is one server.

/** The one server of `standalone` mode, and of every local cluster before the `raft` mode. */
export const STANDALONE_REDIS_APP = 'dss-redis';
/** PM2 name of a `raft` mode server. */
export const redisAppName = (nodeId: string): string => `dss-redis-${nodeId}`;
/** A Redis server of either mode (not `dss-redis-exporter`, which `npm run monitor` adds). */
export const isRedisApp = (name: string): boolean => name === STANDALONE_REDIS_APP || /^dss-redis-node\d+$/.test(name);

/**
 * PM2 restarts a killed server after this long, not at once: longer than the
 * lock leader takes to give up on a primary (3 missed probes, under a second) and fail
 * over, so a killed primary always comes back as a replica of the new one,
 * never as a primary racing the failover. The VMs wait as long
 * (redis_restart_delay_s in the Ansible redis role).
 */
export const REDIS_RESTART_DELAY_MS = 2000;

/** Every server of a `raft` deployment: docs/redis-failover.md's table, as redis-server arguments. */
export const RAFT_REDIS_SETTINGS: readonly (readonly [string, string])[] = [
  ...REDIS_FAILOVER_SETTINGS,
  // The address the lock leader knows this server by, in its replicas' INFO replication.
  ['replica-announce-ip', '127.0.0.1'],
];

/** redis-server arguments of one `raft` mode server. */
export function raftRedisArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    ...RAFT_REDIS_SETTINGS.flatMap(([k, v]) => [`--${k}`, v]),
  ];
}

export interface RedisApp {
  readonly name: string;
  readonly script: string;
  readonly interpreter: 'none';
  readonly args: string[];
  readonly out_file: string;
  readonly error_file: string;
  readonly kill_timeout: number;
  readonly autorestart: true;
  readonly restart_delay?: number;
  readonly exp_backoff_restart_delay?: number;
}

function app(
  paths: LocalPaths,
  name: string,
  redisServer: string,
  args: string[],
  restart: Pick<RedisApp, 'restart_delay' | 'exp_backoff_restart_delay'>,
): RedisApp {
  return {
    name,
    script: redisServer,
    interpreter: 'none',
    args,
    out_file: join(paths.logs, `${name}.out.log`),
    error_file: join(paths.logs, `${name}.err.log`),
    // SIGINT: Redis fsyncs its append-only file and exits.
    kill_timeout: 10_000,
    autorestart: true,
    ...restart,
  };
}

/** The Redis servers of the description as PM2 apps, creating their data dirs. */
export function redisApps(cluster: ClusterDescription, paths: LocalPaths, redisServer: string): RedisApp[] {
  const redis = cluster.redis;
  if (!redis) return [];
  if (redis.mode === 'standalone') {
    mkdirSync(paths.redisDir, { recursive: true });
    // Own data dir and port, append-only file on: queue publishes are durable.
    const args = [
      '--port',
      String(redis.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      paths.redisDir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
    ];
    return [app(paths, STANDALONE_REDIS_APP, redisServer, args, { exp_backoff_restart_delay: 100 })];
  }
  return redis.nodes.map((node) => {
    const dir = redisNodeDir(paths, node);
    mkdirSync(dir, { recursive: true });
    return app(paths, redisAppName(node.id), redisServer, raftRedisArgs(node.port, dir), {
      restart_delay: REDIS_RESTART_DELAY_MS,
    });
  });
}

export const redisNodeDir = (paths: LocalPaths, node: Pick<RedisNodeDescription, 'id'>): string =>
  join(paths.redisDir, node.id);

/**
 * Files the single Redis of an older local cluster left directly in
 * `.dss/redis` (its append-only file, an RDB). The `raft` mode's servers keep
 * their data in `.dss/redis/<node>` and never read these.
 */
export function leftoverStandaloneData(paths: LocalPaths): string[] {
  if (!existsSync(paths.redisDir)) return [];
  return readdirSync(paths.redisDir)
    .filter((f) => /^(appendonlydir|appendonly\.aof|dump\.rdb)$/.test(f))
    .map((f) => join(paths.redisDir, f));
}

/** DSS_REDIS_MODE: `raft` (the default, three servers) or `standalone` (one). */
export function redisModeFromEnv(env: NodeJS.ProcessEnv = process.env): LocalRedisMode {
  const raw = env.DSS_REDIS_MODE ?? 'raft';
  if (!(LOCAL_REDIS_MODES as readonly string[]).includes(raw))
    throw new Error(`DSS_REDIS_MODE must be one of ${LOCAL_REDIS_MODES.join(', ')}, got "${raw}"`);
  return raw as LocalRedisMode;
}

/** DSS_CONSOLE: the launcher runs the operator console (docs/console.md) unless it is 0; test clusters turn it off. */
export function consoleFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.DSS_CONSOLE ?? '1';
  if (raw !== '0' && raw !== '1') throw new Error(`DSS_CONSOLE must be 0 or 1, got "${raw}"`);
  return raw === '1';
}

/** "127.0.0.1:6379" or "127.0.0.1:6379, 6380, 6381": where the description's Redis servers listen. */
export function redisAddresses(cluster: ClusterDescription): string {
  const redis = cluster.redis;
  if (!redis) return 'none described';
  if (redis.mode === 'standalone') return `${redis.host}:${redis.port}`;
  const hosts = new Set(redis.nodes.map((n) => n.host));
  if (hosts.size === 1) return `${redis.nodes[0]!.host}:${redis.nodes.map((n) => n.port).join(', ')}`;
  return redis.nodes.map((n) => `${n.host}:${n.port}`).join(', ');
}
