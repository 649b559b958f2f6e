// PM2 app list for DSS, built from the cluster description and a host filter:
// locally every node of the description (apps named dss-<role>-<node>), on a VM
// only that VM's node (apps named dss-<role>, so `pm2 stop dss-lock` works).
//
// Environment:
//   DSS_CLUSTER_FILE  cluster description JSON (default: .dss/cluster.json)
//   DSS_CPU_PROF_DIR  when set, every daemon runs with --cpu-prof into <dir>/<app name>
//   DSS_NODES         comma-separated node ids to run here (default: all)
//   DSS_HOME          state directory for data and logs (default: .dss)
//   DSS_SHUTDOWN_TIMEOUT_MS  graceful-stop budget of each daemon (default 10000)
//   DSS_TLS_DIR       cluster CA and node certificates for peer mTLS (default: DSS_HOME/tls);
//                     with security.httpTls in the description, the node's pair also serves HTTPS
//   DSS_API_TOKENS_FILE  client API bearer tokens (docs/security.md), passed on when set
//
// PM2 require()s this file; Node 20.19+ loads ESM that way and PM2 reads the
// named `apps` export (a default export would be invisible to it).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const home = resolve(process.env.DSS_HOME ?? join(root, '.dss'));
const clusterFile = resolve(process.env.DSS_CLUSTER_FILE ?? join(home, 'cluster.json'));
const cluster = JSON.parse(readFileSync(clusterFile, 'utf8'));
const wanted = process.env.DSS_NODES
  ? process.env.DSS_NODES.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : null;
const nodes = wanted ? cluster.nodes.filter((n) => wanted.includes(n.id)) : cluster.nodes;
if (wanted && nodes.length !== wanted.length) {
  const known = cluster.nodes.map((n) => n.id).join(', ');
  throw new Error(`DSS_NODES=${process.env.DSS_NODES} names nodes that are not in ${clusterFile} (nodes: ${known})`);
}
const shutdownMs = Number(process.env.DSS_SHUTDOWN_TIMEOUT_MS ?? 10000);
const tlsDir = resolve(process.env.DSS_TLS_DIR ?? join(home, 'tls'));
const single = nodes.length === 1;

// V8 options per role. The cache daemon's young generation may grow to 64 MiB per semi-space
// (V8's default here is 16). Under load with the default, a cache node's heap grew by about
// 3 MB/s between full collections and each scavenge took about 13 ms: objects that live a
// second or more outlive two scavenges and are promoted, and each scavenge copies them first.
// At 64 MiB it ran a quarter as many scavenges and spent 8-17 % less CPU per GET hit and 6-19 %
// less per command of the 90/10 mix, for 40-50 MB more resident memory (docs/benchmarks.md,
// "What a GET hit costs each side, and the cache's young generation"). The queue daemons ran
// workload b about 11 % slower with it, so the other roles keep V8's default.
const ROLE_NODE_ARGS = { cache: ['--max-semi-space-size=64'] };

export const apps = nodes.flatMap((node) =>
  Object.keys(node.ports).map((role) => {
    const name = single ? `dss-${role}` : `dss-${role}-${node.id}`;
    return {
      name,
      script: join(root, 'dist/apps/dss-node/src/main.js'),
      cwd: root,
      env: {
        NODE_ENV: 'production',
        DSS_NODE_ID: node.id,
        DSS_ROLE: role,
        DSS_CLUSTER_FILE: clusterFile,
        DSS_DATA_DIR: join(home, 'data', `${node.id}-${role}`),
        DSS_SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
        DSS_TLS_DIR: tlsDir,
        ...(cluster.security?.httpTls
          ? { DSS_HTTP_TLS_CERT: join(tlsDir, `${node.id}.crt`), DSS_HTTP_TLS_KEY: join(tlsDir, `${node.id}.key`) }
          : {}),
        ...(process.env.DSS_API_TOKENS_FILE ? { DSS_API_TOKENS_FILE: resolve(process.env.DSS_API_TOKENS_FILE) } : {}),
      },
      // Counted as started only once it serves (process.send('ready')).
      wait_ready: true,
      listen_timeout: 30000,
      // Longer than the daemon's own shutdown budget: PM2 never SIGKILLs a clean stop.
      kill_timeout: shutdownMs + 3000,
      exp_backoff_restart_delay: 100,
      ...nodeArgs(role, name),
      // No @pm2/io in the daemons: PM2 would otherwise load it into every process it starts, wrap
      // every HTTP server event to time requests and sample the heap and the event loop each
      // second, all of which the daemons' own /metrics already do. It cost 2-7 % of a loaded
      // daemon's CPU (docs/benchmarks.md); `pm2 monit` still shows CPU and memory.
      pmx: false,
      max_memory_restart: '1G',
      out_file: join(home, 'logs', `${name}.out.log`),
      error_file: join(home, 'logs', `${name}.err.log`),
      merge_logs: true,
      time: true,
    };
  }),
);

/** The role's V8 options, then profiling's (docs/benchmarks.md): each daemon writes a V8 CPU profile when it stops. */
function nodeArgs(role, name) {
  const args = [
    ...(ROLE_NODE_ARGS[role] ?? []),
    ...(process.env.DSS_CPU_PROF_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${join(resolve(process.env.DSS_CPU_PROF_DIR), name)}`]
      : []),
  ];
  return args.length > 0 ? { node_args: args } : {};
}
