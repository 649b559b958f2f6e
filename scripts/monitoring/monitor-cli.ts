import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterDescription, type ClusterDescription } from '@dss/config/pure';
import { probe } from '../local-cluster/endpoints.js';
import { localPaths, portOffset, REPO_ROOT, type LocalPaths } from '../local-cluster/paths.js';
import { Pm2Client } from '../local-cluster/pm2-client.js';
import { findExecutable } from '../local-cluster/redis-server.js';
import { prometheusConfig, renderPrometheusConfig, type ExporterTarget } from './prometheus-config.js';

// `npm run monitor`: Prometheus (and the Redis and host exporters, when
// installed) beside the local cluster, under the cluster's own PM2, with the
// alert rules of the Ansible role. `npm run monitor stop` stops them; so does
// `npm stop` with everything else.

export const MONITOR_PORTS = { prometheus: 9090, nodeExporter: 9100, redisExporter: 9121 } as const;
export const MONITOR_APPS = {
  prometheus: 'dss-prometheus',
  nodeExporter: 'dss-node-exporter',
  redisExporter: 'dss-redis-exporter',
} as const;
export const RULES_DIR = join(REPO_ROOT, 'ansible', 'roles', 'prometheus', 'files', 'rules');
/** How long `monitor` waits for Prometheus to answer /-/ready. */
const READY_TIMEOUT_MS = 30_000;

export const INSTALL_HINT = [
  'npm run monitor needs Prometheus (2.x); the exporters are optional but fill the Redis and host panels.',
  '  Debian/Ubuntu:  sudo apt-get install -y prometheus prometheus-node-exporter prometheus-redis-exporter',
  '  macOS:          brew install prometheus node_exporter redis_exporter',
  'Then run npm run monitor again.',
].join('\n');

const log = (line: string) => process.stdout.write(line + '\n');
const executable = (...names: string[]) => names.map((n) => findExecutable(n)).find(Boolean);

function scrapeIntervalS(env: NodeJS.ProcessEnv): number {
  const raw = env.DSS_MONITOR_SCRAPE_INTERVAL_S ?? '5';
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 300)
    throw new Error(`DSS_MONITOR_SCRAPE_INTERVAL_S must be a whole number of seconds from 1 to 300, got "${raw}"`);
  return Number(raw);
}

function app(paths: LocalPaths, name: string, script: string, args: string[]) {
  return {
    name,
    script,
    interpreter: 'none',
    args,
    out_file: join(paths.logs, `${name}.out.log`),
    error_file: join(paths.logs, `${name}.err.log`),
    exp_backoff_restart_delay: 100,
  };
}

async function start(paths: LocalPaths, env: NodeJS.ProcessEnv): Promise<void> {
  const prometheus = executable('prometheus');
  if (!prometheus) throw new Error(`Prometheus is not installed.\n${INSTALL_HINT}`);
  if (!existsSync(paths.clusterFile)) throw new Error('no local cluster here: start it first with npm start');
  const cluster: ClusterDescription = parseClusterDescription(
    JSON.parse(readFileSync(paths.clusterFile, 'utf8')),
    paths.clusterFile,
  );
  const offset = portOffset(env);
  const host = '127.0.0.1';
  const at = (port: number) => `${host}:${port + offset}`;
  const nodeExporter = executable('prometheus-node-exporter', 'node_exporter');
  const redisExporter = executable('prometheus-redis-exporter', 'redis_exporter');
  const firstNode = cluster.nodes[0]!.id;
  // One machine plays every node: one node exporter stands for all of them; one Redis exporter
  // per Redis server (three with a raft-managed Redis, each labelled with its node).
  const redisServers = redisServersOf(cluster);
  const redisTargets: ExporterTarget[] = redisExporter
    ? redisServers.map((r, i) => ({ address: at(MONITOR_PORTS.redisExporter + i), node: r.node }))
    : [];
  const nodeTargets: ExporterTarget[] = nodeExporter
    ? [{ address: at(MONITOR_PORTS.nodeExporter), node: firstNode }]
    : [];
  const dir = join(paths.home, 'monitoring');
  mkdirSync(join(dir, 'tsdb'), { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const ruleFiles = existsSync(RULES_DIR)
    ? readdirSync(RULES_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(RULES_DIR, f))
    : [];
  const configFile = join(dir, 'prometheus.yml');
  const config = prometheusConfig({
    cluster,
    prometheus: at(MONITOR_PORTS.prometheus),
    redisExporters: redisTargets,
    nodeExporters: nodeTargets,
    ruleFiles,
    scrapeIntervalS: scrapeIntervalS(env),
  });
  writeFileSync(configFile, renderPrometheusConfig(config));

  const pm2 = await Pm2Client.connect(paths.pm2Home);
  try {
    const running = new Set((await pm2.list()).map((p) => p.name));
    for (const name of running) if (isMonitorApp(name)) await pm2.delete(name);
    await pm2.start(
      app(paths, MONITOR_APPS.prometheus, prometheus, [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=${at(MONITOR_PORTS.prometheus)}`,
        '--storage.tsdb.retention.time=2d',
        '--web.enable-lifecycle',
      ]),
    );
    if (nodeExporter)
      await pm2.start(
        app(paths, MONITOR_APPS.nodeExporter, nodeExporter, [`--web.listen-address=${at(MONITOR_PORTS.nodeExporter)}`]),
      );
    if (redisExporter) {
      for (const [i, r] of redisServers.entries()) {
        const name = redisServers.length > 1 ? `${MONITOR_APPS.redisExporter}-${r.node}` : MONITOR_APPS.redisExporter;
        await pm2.start(
          app(paths, name, redisExporter, [
            `--redis.addr=redis://${r.address}`,
            `--web.listen-address=${at(MONITOR_PORTS.redisExporter + i)}`,
          ]),
        );
      }
    }
  } finally {
    pm2.disconnect();
  }
  const url = `http://${at(MONITOR_PORTS.prometheus)}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await probe(`${url}/-/ready`)) !== 200) {
    if (Date.now() > deadline)
      throw new Error(
        `Prometheus did not become ready within ${READY_TIMEOUT_MS / 1000} s; see ${join(paths.logs, `${MONITOR_APPS.prometheus}.err.log`)}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`Prometheus: ${url}  (targets: ${url}/targets, alerts: ${url}/alerts)`);
  log(`  config ${configFile}; rules ${ruleFiles.length ? ruleFiles.join(', ') : 'none'}`);
  if (!nodeExporter) log('  host metrics: prometheus-node-exporter is not installed (optional)');
  if (!redisTargets.length) log('  Redis metrics: prometheus-redis-exporter is not installed (optional)');
  log(
    'Dashboards for Grafana: ansible/roles/grafana/files/dashboards (docs/dashboards.md). Stop: npm run monitor stop, or npm stop.',
  );
}

async function stop(paths: LocalPaths): Promise<void> {
  const pm2 = await Pm2Client.connect(paths.pm2Home);
  try {
    for (const name of (await pm2.list()).map((p) => p.name)) if (isMonitorApp(name)) await pm2.delete(name);
  } finally {
    pm2.disconnect();
  }
  log('DSS monitor: stopped.');
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = argv[0] ?? 'start';
  const paths = localPaths(env);
  try {
    if (command === 'start') await start(paths, env);
    else if (command === 'stop') await stop(paths);
    else {
      process.stderr.write(
        'usage: monitor [start|stop]   (env: DSS_HOME, DSS_PORT_OFFSET, DSS_MONITOR_SCRAPE_INTERVAL_S)\n',
      );
      return 2;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`DSS monitor: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** PM2 apps of `npm run monitor` (the Redis exporters carry a node suffix with several Redis servers). */
function isMonitorApp(name: string): boolean {
  return Object.values<string>(MONITOR_APPS).includes(name) || name.startsWith(`${MONITOR_APPS.redisExporter}-`);
}

/** Every Redis server of the local cluster, with the node it stands for. */
function redisServersOf(cluster: ClusterDescription): { node: string; address: string }[] {
  const redis = cluster.redis;
  if (redis?.mode === 'raft') return redis.nodes.map((n) => ({ node: n.id, address: `${n.host}:${n.port}` }));
  if (redis?.mode === 'standalone') return [{ node: cluster.nodes[0]!.id, address: `${redis.host}:${redis.port}` }];
  return [];
}
