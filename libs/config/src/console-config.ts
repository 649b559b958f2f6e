import { join, resolve } from 'node:path';
import { apiScheme, CONSOLE_ROLE, type ClusterDescription } from './cluster-description.js';
import { ConfigError } from './config-error.js';
import {
  checkApiScheme,
  loadClientSecurity,
  loadProcessSettings,
  nodeOf,
  parseClusterDescription,
  readJson,
  readUtf8,
  type Env,
  type NodeConfig,
  type ReadText,
} from './load-config.js';
import { SETTING_ENV } from './process-settings.js';

/** One daemon the console talks to: a role's client API on one node. */
export interface DaemonAddress {
  readonly node: string;
  readonly role: string;
  /** Base URL of its client API, e.g. http://10.0.0.11:8001. */
  readonly url: string;
}

/**
 * What the console process needs: who it is, the cluster it shows, and the
 * client API's security (it checks tokens for its own API and passes them on).
 * No peers, no data directory: the console keeps no state of its own.
 */
export interface ConsoleConfig {
  readonly settings: NodeConfig['settings'];
  readonly cluster: ClusterDescription;
  readonly self: { readonly id: string; readonly host: string; readonly httpPort: number };
  /** Every daemon of the cluster (the consoles excluded), in node then role order. */
  readonly daemons: readonly DaemonAddress[];
  readonly apiTokens?: NodeConfig['apiTokens'];
  readonly httpTls?: NodeConfig['httpTls'];
  /** The cluster CA (DSS_TLS_DIR/ca.crt) when the API speaks HTTPS: the daemons' certificates chain to it. */
  readonly ca?: string;
}

/** Every role daemon of the description, as the console reaches it. */
export function clusterDaemons(cluster: ClusterDescription): DaemonAddress[] {
  const scheme = apiScheme(cluster);
  return cluster.nodes.flatMap((node) =>
    Object.entries(node.ports)
      .filter(([role]) => role !== CONSOLE_ROLE)
      .map(([role, ports]) => ({ node: node.id, role, url: `${scheme}://${node.host}:${ports.http}` })),
  );
}

/** env → settings → cluster file → the console's ports and security, or a ConfigError. */
export function loadConsoleConfig(env: Env, read: ReadText = readUtf8): ConsoleConfig {
  const settings = loadProcessSettings(env, read);
  const source = settings.clusterFile;
  const cluster = parseClusterDescription(readJson(source, SETTING_ENV.clusterFile, read), source);
  const node = nodeOf(settings, cluster, source);
  const index = cluster.nodes.indexOf(node);
  const ports = node.ports[CONSOLE_ROLE];
  if (!ports)
    throw new ConfigError(source, [
      { key: `nodes[${index}].ports.${CONSOLE_ROLE}`, problem: `node ${node.id} has no console port` },
    ]);
  const security = loadClientSecurity(settings, read);
  checkApiScheme(cluster, security.httpTls, source);
  let ca: string | undefined;
  if (security.httpTls && settings.tlsDir) {
    const path = join(resolve(settings.tlsDir), 'ca.crt');
    try {
      ca = read(path);
    } catch (err) {
      throw new ConfigError(path, [
        { key: SETTING_ENV.tlsDir, problem: `cannot read ${path}: ${(err as Error).message}` },
      ]);
    }
  }
  return {
    settings: {
      ...settings,
      dataDir: resolve(settings.dataDir ?? `.dss/data/${settings.nodeId}-${CONSOLE_ROLE}`),
      bindHost: settings.bindHost ?? node.host,
    },
    cluster,
    self: { id: node.id, host: node.host, httpPort: ports.http },
    daemons: clusterDaemons(cluster),
    ...security,
    ...(ca !== undefined ? { ca } : {}),
  };
}
