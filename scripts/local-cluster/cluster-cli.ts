import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONSOLE_ROLE,
  localClusterDescription,
  parseClusterDescription,
  type ClusterDescription,
} from '@dss/config/pure';
import { daemonEndpoints, probe, waitReady } from './endpoints.js';
import { cacheSettingsFromEnv } from './cache-env.js';
import { localPaths, portOffset, type LocalPaths } from './paths.js';
import { Pm2Client } from './pm2-client.js';
import { processAlive } from './process-alive.js';
import { busyPorts } from './port-check.js';
import {
  isRedisApp,
  leftoverStandaloneData,
  redisAddresses,
  redisAppName,
  redisApps,
  consoleFromEnv,
  redisModeFromEnv,
  STANDALONE_REDIS_APP,
} from './redis-apps.js';
import {
  fetchTopology,
  topologyProblems,
  topologyRows,
  topologySummary,
  TOPOLOGY_HEADER,
  waitTopology,
  type TopologyAnswer,
} from './redis-topology.js';
import { ensureRedisServer } from './redis-server.js';
import { ensureClusterCerts } from './tls-certs.js';
import { formatTable } from './table.js';

/** How long `start` waits for all nine daemons to answer /ready. */
export const READY_TIMEOUT_MS = 60_000;
/** How long `start` then waits for the lock leader to attach both Redis replicas (raft mode). */
export const REDIS_TOPOLOGY_TIMEOUT_MS = 30_000;

const log = (line: string) => process.stdout.write(line + '\n');

function readCluster(paths: LocalPaths): ClusterDescription | undefined {
  if (!existsSync(paths.clusterFile)) return undefined;
  return parseClusterDescription(JSON.parse(readFileSync(paths.clusterFile, 'utf8')), paths.clusterFile);
}

/** How long `npm stop` waits for the PM2 daemon to exit after it agreed to. */
const PM2_EXIT_WAIT_MS = 5000;

/** Our own PM2 daemon's pid (in DSS_HOME), if its pid file names one. */
function pm2Pid(paths: LocalPaths): number | undefined {
  const pidFile = join(paths.pm2Home, 'pm2.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Is our own PM2 daemon (in DSS_HOME) running? Avoids spawning one just to find nothing. */
function pm2Running(paths: LocalPaths): boolean {
  const pid = pm2Pid(paths);
  return pid !== undefined && processAlive(pid);
}

async function stop(paths: LocalPaths): Promise<void> {
  if (!pm2Running(paths)) {
    log(`DSS: nothing running (no PM2 daemon in ${paths.pm2Home}).`);
    return;
  }
  const pm2 = await Pm2Client.connect(paths.pm2Home);
  const names = (await pm2.list()).map((p) => p.name);
  // Daemons first (they may flush to Redis on the way out), Redis last: the
  // three servers of raft mode, or the single dss-redis of standalone mode
  // and of a cluster an older DSS started.
  for (const name of names.filter((n) => !isRedisApp(n))) await pm2.delete(name);
  for (const name of names.filter(isRedisApp)) await pm2.delete(name);
  const daemon = pm2Pid(paths);
  await pm2.killDaemon();
  pm2.disconnect();
  // PM2 answers the kill before its process has exited: wait, so that "stopped" means
  // gone (a test and a following `npm start` both saw it still there).
  for (
    const until = Date.now() + PM2_EXIT_WAIT_MS;
    daemon !== undefined && processAlive(daemon) && Date.now() < until;
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (daemon !== undefined && processAlive(daemon)) log(`DSS: the PM2 daemon (pid ${daemon}) is still exiting.`);
  log(`DSS: stopped ${names.length} processes and the PM2 daemon.`);
}

async function start(paths: LocalPaths): Promise<void> {
  const cache = cacheSettingsFromEnv();
  const cluster = {
    ...localClusterDescription({ offset: portOffset(), redis: redisModeFromEnv(), console: consoleFromEnv() }),
    ...(cache ? { cache } : {}),
  };
  if (pm2Running(paths)) {
    log('DSS: a local cluster is already running here; restarting it.');
    await stop(paths);
  }
  const busy = await busyPorts(cluster);
  if (busy.length > 0) {
    throw new Error(
      `these ports are already in use: ${busy.join(', ')}.\nStop whatever holds them (another DSS cluster: npm stop), or start on other ports with DSS_PORT_OFFSET=100 npm start.`,
    );
  }
  const redisServer = ensureRedisServer(log);
  mkdirSync(paths.logs, { recursive: true });
  // Peers authenticate with mutual TLS: a local CA and one certificate per node.
  ensureClusterCerts(paths.tlsDir, cluster.nodes, cluster.name);
  writeFileSync(paths.clusterFile, JSON.stringify(cluster, null, 2) + '\n');

  const pm2 = await Pm2Client.connect(paths.pm2Home);
  try {
    for (const app of redisApps(cluster, paths, redisServer)) await pm2.start(app);
    process.env.DSS_HOME = paths.home;
    process.env.DSS_CLUSTER_FILE = paths.clusterFile;
    await pm2.start(paths.ecosystem);
  } finally {
    pm2.disconnect();
  }

  const daemons = daemonEndpoints(cluster);
  const late = await waitReady(daemons, READY_TIMEOUT_MS);
  if (late.length > 0) {
    const which = late.map((d) => `  ${d.role} on ${d.node} (${d.url}/ready)`).join('\n');
    throw new Error(
      `not ready after ${READY_TIMEOUT_MS / 1000} s:\n${which}\nLogs: ${paths.logs}; stop everything with npm stop.`,
    );
  }
  let topology: TopologyAnswer | undefined;
  if (cluster.redis?.mode === 'raft') {
    log(
      `DSS: daemons ready; waiting (${REDIS_TOPOLOGY_TIMEOUT_MS / 1000} s at most) for the lock leader to attach the Redis replicas...`,
    );
    topology = await waitTopology(lockUrls(cluster), REDIS_TOPOLOGY_TIMEOUT_MS);
  }
  printEndpoints(cluster, paths, topology);
}

const lockUrls = (cluster: ClusterDescription): string[] =>
  daemonEndpoints(cluster)
    .filter((d) => d.role === 'lock')
    .map((d) => d.url);

function redisSummary(cluster: ClusterDescription): string {
  const redis = cluster.redis;
  if (!redis) return 'an external Redis';
  if (redis.mode === 'standalone') return `Redis (${redisAddresses(cluster)})`;
  return `${redis.nodes.length} Redis servers (${redisAddresses(cluster)})`;
}

/** What `start` says about the Redis topology it waited for: whole, or what is missing. */
function topologyOutcome(cluster: ClusterDescription, answer: TopologyAnswer | undefined, paths: LocalPaths): string[] {
  if (!answer) return [];
  if (answer.kind === 'ok') {
    const { view } = answer;
    const problems = topologyProblems(view);
    if (problems.length === 0) {
      const replicas =
        view.replicas.length === 2
          ? `both replicas (${view.replicas.join(', ')})`
          : `its replicas (${view.replicas.join(', ')})`;
      const acks = `${view.replicasToAck} replica${view.replicasToAck === 1 ? '' : 's'}`;
      return [
        `Redis: primary ${view.primary} with ${replicas} linked, epoch ${view.epoch}, writes wait for ${acks}; the lock leader (${view.leader ?? '?'}) fails over.`,
      ];
    }
    const leaderLog = view.leader
      ? join(paths.logs, `dss-lock-${view.leader}.out.log`)
      : join(paths.logs, 'dss-lock-*.log');
    return [
      ...topologySummary(answer),
      `Redis is not whole after ${REDIS_TOPOLOGY_TIMEOUT_MS / 1000} s: queue and cache writes answer 503 until a replica confirms them.`,
      `Watch it with npm run status; the lock leader's log: ${leaderLog}; Redis logs: ${join(paths.logs, 'dss-redis-node*.log')}.`,
    ];
  }
  const first = cluster.redis?.mode === 'raft' ? cluster.redis.nodes[0]?.id : undefined;
  return [
    ...topologySummary(answer),
    ...(first
      ? [
          `Until the lock leader attaches replicas, ${first}'s Redis is a primary without replicas and refuses writes (min-replicas-to-write 1).`,
        ]
      : []),
  ];
}

function printEndpoints(cluster: ClusterDescription, paths: LocalPaths, topology: TopologyAnswer | undefined): void {
  const rows = cluster.nodes.flatMap((n) =>
    Object.entries(n.ports).map(([role, p]) => [
      role,
      n.id,
      `http://${n.host}:${p.http}`,
      p.peer !== undefined ? `${n.host}:${p.peer}` : '',
    ]),
  );
  const consoles = rows.filter((r) => r[0] === CONSOLE_ROLE).map((r) => `${r[2]}/`);
  const daemonCount = rows.length - consoles.length;
  // The cache's Redis-protocol front doors, beside the daemons' HTTP addresses.
  const respRows = cluster.nodes.flatMap((n) =>
    n.ports.cache?.resp !== undefined
      ? [['cache (Redis protocol)', n.id, `redis://${n.host}:${n.ports.cache.resp}`, '']]
      : [],
  );
  rows.push(...respRows);
  const cacheResp = cluster.nodes[0]?.ports.cache?.resp;
  const [lock, queue, cache] = ['lock', 'queue', 'cache'].map((r) => rows.find((row) => row[0] === r)?.[2] ?? '');
  const redis = cluster.redis;
  if (redis?.mode === 'raft') rows.push(...redis.nodes.map((r) => ['redis', r.id, `redis://${r.host}:${r.port}`, '']));
  if (redis?.mode === 'standalone') rows.push(['redis', '-', `redis://${redis.host}:${redis.port}`, '']);
  const withConsoles = consoles.length > 0 ? `, ${consoles.length} consoles` : '';
  log(`\nDSS local cluster is up: ${daemonCount} daemons${withConsoles} and ${redisSummary(cluster)}.\n`);
  log(formatTable(['role', 'node', 'address', 'peer tcp'], rows));
  const tryRedis = redis?.mode === 'raft' ? `\n  curl ${lock}/redis` : '';
  const tryResp =
    cacheResp !== undefined
      ? `\n  redis-cli -p ${cacheResp} set greeting hello && curl ${cache.replace(/\d+$/, (p) => String(Number(p) + 1))}/cache/greeting`
      : '';
  log(
    `\nTry:\n  curl ${lock}/health\n  curl ${lock}/cluster${tryRedis}\n  curl ${queue}/cluster\n  curl ${cache}/metrics${tryResp}\n`,
  );
  if (consoles.length > 0)
    log(
      `Console (docs/console.md): open ${consoles[0]} in a browser (each node serves one: ${consoles.join(', ')}).\n`,
    );
  for (const line of topologyOutcome(cluster, topology, paths)) log(line);
  if (redis?.mode === 'raft') {
    const leftover = leftoverStandaloneData(paths);
    if (leftover.length > 0) {
      log(
        `Note: ${leftover.join(', ')} is the data of the single Redis an older DSS ran (app ${STANDALONE_REDIS_APP}).`,
      );
      log(
        `  The ${redis.nodes.length} servers keep theirs in ${join(paths.redisDir, '<node>')} and never read it; delete it when you no longer need it.`,
      );
    }
  }
  log(`State and logs: ${paths.home}   Status: npm run status   Stop: npm stop`);
}

async function status(paths: LocalPaths): Promise<void> {
  if (!pm2Running(paths)) {
    log('DSS: not running (npm start starts it).');
    return;
  }
  const pm2 = await Pm2Client.connect(paths.pm2Home);
  const procs = await pm2.list();
  pm2.disconnect();
  const cluster = readCluster(paths);
  const byName = new Map((cluster ? daemonEndpoints(cluster) : []).map((d) => [`dss-${d.role}-${d.node}`, d]));
  const redisByName = new Map<string, string>();
  if (cluster?.redis?.mode === 'raft')
    for (const r of cluster.redis.nodes) redisByName.set(redisAppName(r.id), `redis://${r.host}:${r.port}`);
  if (cluster?.redis?.mode === 'standalone')
    redisByName.set(STANDALONE_REDIS_APP, `redis://${cluster.redis.host}:${cluster.redis.port}`);
  const [rows, topology] = await Promise.all([
    Promise.all(
      procs.map(async (p) => {
        const daemon = byName.get(p.name);
        const health = daemon ? ((await probe(`${daemon.url}/ready`)) === 200 ? 'ready' : 'not ready') : '';
        return [
          p.name,
          String(p.pid || '-'),
          p.status,
          String(p.restarts),
          `${Math.round(p.uptimeMs / 1000)}s`,
          daemon?.url ?? redisByName.get(p.name) ?? '',
          health,
        ];
      }),
    ),
    cluster?.redis?.mode === 'raft' ? fetchTopology(lockUrls(cluster)) : Promise.resolve(undefined),
  ]);
  log(formatTable(['name', 'pid', 'status', 'restarts', 'uptime', 'address', 'ready'], rows));
  if (!cluster?.redis) return;
  log('');
  if (cluster.redis.mode === 'standalone') {
    // DSS_REDIS_MODE=standalone, or a cluster an older DSS started (npm start replaces it with three servers).
    log(`Redis: one standalone server (${redisAddresses(cluster)}), nothing to fail over.`);
    return;
  }
  for (const line of topologySummary(topology!)) log(line);
  if (topology?.kind === 'ok') log(formatTable(TOPOLOGY_HEADER, topologyRows(topology.view)));
}

export async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  const paths = localPaths();
  try {
    if (command === 'start') await start(paths);
    else if (command === 'stop') await stop(paths);
    else if (command === 'status') await status(paths);
    else {
      process.stderr.write('usage: cluster start|stop|status   (env: DSS_HOME, DSS_PORT_OFFSET, DSS_REDIS_MODE)\n');
      return 2;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`DSS ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
