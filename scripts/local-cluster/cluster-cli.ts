import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localClusterDescription, parseClusterDescription, type ClusterDescription } from '@dss/config';
import { daemonEndpoints, probe, waitReady } from './endpoints.js';
import { cacheSettingsFromEnv } from './cache-env.js';
import { localPaths, portOffset, type LocalPaths } from './paths.js';
import { Pm2Client } from './pm2-client.js';
import { busyPorts } from './port-check.js';
import { ensureRedisServer } from './redis-server.js';
import { ensureClusterCerts } from './tls-certs.js';
import { formatTable } from './table.js';

/** How long `start` waits for all nine daemons to answer /ready. */
export const READY_TIMEOUT_MS = 60_000;
export const REDIS_APP = 'dss-redis';

const log = (line: string) => process.stdout.write(line + '\n');

function redisApp(paths: LocalPaths, redisServer: string, port: number) {
  mkdirSync(paths.redisDir, { recursive: true });
  return {
    name: REDIS_APP,
    script: redisServer,
    interpreter: 'none',
    // Own data dir and port, append-only file on: queue publishes are durable.
    args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', paths.redisDir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'],
    out_file: join(paths.logs, `${REDIS_APP}.out.log`),
    error_file: join(paths.logs, `${REDIS_APP}.err.log`),
    kill_timeout: 10_000,
    exp_backoff_restart_delay: 100,
  };
}

function readCluster(paths: LocalPaths): ClusterDescription | undefined {
  if (!existsSync(paths.clusterFile)) return undefined;
  return parseClusterDescription(JSON.parse(readFileSync(paths.clusterFile, 'utf8')), paths.clusterFile);
}

/** Is our own PM2 daemon (in DSS_HOME) running? Avoids spawning one just to find nothing. */
function pm2Running(paths: LocalPaths): boolean {
  const pidFile = join(paths.pm2Home, 'pm2.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(paths: LocalPaths): Promise<void> {
  if (!pm2Running(paths)) {
    log(`DSS: nothing running (no PM2 daemon in ${paths.pm2Home}).`);
    return;
  }
  const pm2 = await Pm2Client.connect(paths.pm2Home);
  const names = (await pm2.list()).map((p) => p.name);
  // Daemons first (they may flush to Redis on the way out), Redis last.
  for (const name of names.filter((n) => n !== REDIS_APP)) await pm2.delete(name);
  if (names.includes(REDIS_APP)) await pm2.delete(REDIS_APP);
  await pm2.killDaemon();
  pm2.disconnect();
  log(`DSS: stopped ${names.length} processes and the PM2 daemon.`);
}

async function start(paths: LocalPaths): Promise<void> {
  const cache = cacheSettingsFromEnv();
  const cluster = { ...localClusterDescription({ offset: portOffset() }), ...(cache ? { cache } : {}) };
  if (pm2Running(paths)) {
    log('DSS: a local cluster is already running here; restarting it.');
    await stop(paths);
  }
  const busy = await busyPorts(cluster);
  if (busy.length > 0) {
    throw new Error(`these ports are already in use: ${busy.join(', ')}.\nStop whatever holds them (another DSS cluster: npm stop), or start on other ports with DSS_PORT_OFFSET=100 npm start.`);
  }
  const redisServer = ensureRedisServer(log);
  mkdirSync(paths.logs, { recursive: true });
  // Peers authenticate with mutual TLS: a local CA and one certificate per node.
  ensureClusterCerts(paths.tlsDir, cluster.nodes, cluster.name);
  writeFileSync(paths.clusterFile, JSON.stringify(cluster, null, 2) + '\n');

  const pm2 = await Pm2Client.connect(paths.pm2Home);
  try {
    const redisPort = cluster.redis?.mode === 'standalone' ? cluster.redis.port : 6379;
    await pm2.start(redisApp(paths, redisServer, redisPort));
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
    throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s:\n${which}\nLogs: ${paths.logs}; stop everything with npm stop.`);
  }
  printEndpoints(cluster, paths);
}

function printEndpoints(cluster: ClusterDescription, paths: LocalPaths): void {
  const rows = cluster.nodes.flatMap((n) => Object.entries(n.ports).map(([role, p]) => [role, n.id, `http://${n.host}:${p.http}`, `${n.host}:${p.peer}`]));
  const [lock, queue, cache] = ['lock', 'queue', 'cache'].map((r) => rows.find((row) => row[0] === r)?.[2] ?? '');
  log(`\nDSS local cluster is up: ${rows.length} daemons and Redis (${cluster.redis?.mode === 'standalone' ? `127.0.0.1:${cluster.redis.port}` : 'external'}).\n`);
  log(formatTable(['role', 'node', 'http', 'peer tcp'], rows));
  log(`\nTry:\n  curl ${lock}/health\n  curl ${lock}/cluster\n  curl ${queue}/cluster\n  curl ${cache}/metrics\n`);
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
  const rows = await Promise.all(
    procs.map(async (p) => {
      const daemon = byName.get(p.name);
      const health = daemon ? ((await probe(`${daemon.url}/ready`)) === 200 ? 'ready' : 'not ready') : '';
      return [p.name, String(p.pid || '-'), p.status, String(p.restarts), `${Math.round(p.uptimeMs / 1000)}s`, daemon?.url ?? '', health];
    }),
  );
  log(formatTable(['name', 'pid', 'status', 'restarts', 'uptime', 'http', 'ready'], rows));
}

export async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  const paths = localPaths();
  try {
    if (command === 'start') await start(paths);
    else if (command === 'stop') await stop(paths);
    else if (command === 'status') await status(paths);
    else {
      process.stderr.write('usage: cluster start|stop|status   (env: DSS_HOME, DSS_PORT_OFFSET)\n');
      return 2;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`DSS ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
