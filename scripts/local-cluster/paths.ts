import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the local cluster keeps its state. DSS_HOME moves all of it (tests
// use a temporary one); DSS_PORT_OFFSET shifts every port so that a second
// cluster can run beside the first.

/** The repository root (this file is dist/scripts/local-cluster/paths.js after the build). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface LocalPaths {
  readonly home: string;
  readonly pm2Home: string;
  readonly clusterFile: string;
  readonly redisDir: string;
  readonly logs: string;
  /** The cluster CA and the nodes' certificates (DSS_TLS_DIR of every daemon). */
  readonly tlsDir: string;
  readonly ecosystem: string;
}

export function localPaths(env: NodeJS.ProcessEnv = process.env): LocalPaths {
  const home = resolve(env.DSS_HOME ?? join(REPO_ROOT, '.dss'));
  return {
    home,
    pm2Home: join(home, 'pm2'),
    clusterFile: join(home, 'cluster.json'),
    redisDir: join(home, 'redis'),
    logs: join(home, 'logs'),
    tlsDir: join(home, 'tls'),
    ecosystem: join(REPO_ROOT, 'ecosystem.config.js'),
  };
}

/** Largest offset that keeps every port (up to 9023 + offset) valid. */
export const MAX_PORT_OFFSET = 50_000;

export function portOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DSS_PORT_OFFSET ?? '0';
  const offset = Number(raw);
  if (!/^\d+$/.test(raw) || offset > MAX_PORT_OFFSET) {
    throw new Error(`DSS_PORT_OFFSET must be a whole number from 0 to ${MAX_PORT_OFFSET}, got "${raw}"`);
  }
  return offset;
}
