import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  apiScheme,
  clusterDescriptionSchema,
  peerAuthOf,
  type ClusterDescription,
  type NodeDescription,
} from './cluster-description.js';
import { ConfigError, formatPath, problemsFromZod } from './config-error.js';
import { loadApiTokens, type ApiTokens } from './api-tokens.js';
import { loadPeerTls, type PeerTlsMaterial } from './peer-tls.js';
import {
  CONFIG_FILE_ENV,
  SETTING_ENV,
  processSettingsSchema,
  type ProcessSettings,
  type SettingKey,
} from './process-settings.js';

/** A peer of the same role: where to reach its peer (TCP) and client (HTTP) ports. */
export interface PeerEndpoint {
  readonly id: string;
  readonly host: string;
  readonly peerPort: number;
  readonly httpPort: number;
  /** The cache role's Redis-protocol port, when the description gives one. */
  readonly respPort?: number;
}

/** Everything one daemon needs, resolved and validated. */
export interface NodeConfig {
  readonly settings: ProcessSettings & { dataDir: string; bindHost: string };
  readonly cluster: ClusterDescription;
  readonly self: PeerEndpoint;
  /** The other nodes that run this role, in description order. */
  readonly peers: readonly PeerEndpoint[];
  /** Present when the cluster's peerAuth is mtls (the default). */
  readonly peerTls?: PeerTlsMaterial;
  /** Present when DSS_API_TOKENS_FILE is set: the client API wants a bearer token. */
  readonly apiTokens?: ApiTokens;
  /** Present when DSS_HTTP_TLS_CERT and _KEY are set: the client API speaks HTTPS. */
  readonly httpTls?: { readonly cert: string; readonly key: string };
}

export type Env = Readonly<Record<string, string | undefined>>;
export type ReadText = (path: string) => string;

export const readUtf8: ReadText = (path) => readFileSync(path, 'utf8');

export function readJson(path: string, what: string, read: ReadText): unknown {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new ConfigError(path, [{ key: what, problem: `cannot read ${path}: ${(err as Error).message}` }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [{ key: what, problem: `${path} is not valid JSON: ${(err as Error).message}` }]);
  }
}

/** Settings from env (and the optional settings file), without touching the cluster file. */
export function loadProcessSettings(env: Env, read: ReadText = readUtf8): ProcessSettings {
  const fromFile: Record<string, unknown> = {};
  const file = env[CONFIG_FILE_ENV];
  if (file) {
    const json = readJson(file, CONFIG_FILE_ENV, read);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ConfigError(file, [{ key: CONFIG_FILE_ENV, problem: `${file} must hold a JSON object` }]);
    }
    Object.assign(fromFile, json);
  }
  const merged: Record<string, unknown> = { ...fromFile };
  const origin = new Map<string, string>();
  for (const key of Object.keys(fromFile)) origin.set(key, `${key} (in ${file})`);
  for (const [key, name] of Object.entries(SETTING_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      origin.set(key, name);
    }
  }
  const parsed = processSettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const keyOf = (path: readonly PropertyKey[]) => {
      const key = String(path[0] ?? '');
      return origin.get(key) ?? SETTING_ENV[key as SettingKey] ?? key;
    };
    throw new ConfigError(
      file ? `the environment and ${file}` : 'the environment',
      problemsFromZod(parsed.error, keyOf),
    );
  }
  return parsed.data;
}

export function parseClusterDescription(json: unknown, source: string): ClusterDescription {
  const parsed = clusterDescriptionSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      problemsFromZod(parsed.error, (path) => formatPath(path)),
    );
  }
  return parsed.data;
}

function endpoint(node: NodeDescription, role: string): PeerEndpoint | undefined {
  const ports = node.ports[role];
  // The schema gives every role but the console a peer port; a role without one has no peers here.
  if (ports?.peer === undefined) return undefined;
  return {
    id: node.id,
    host: node.host,
    peerPort: ports.peer,
    httpPort: ports.http,
    ...(ports.resp !== undefined ? { respPort: ports.resp } : {}),
  };
}

/** This process's node in the description (DSS_NODE_ID), or a ConfigError listing the nodes there are. */
export function nodeOf(settings: ProcessSettings, cluster: ClusterDescription, source: string): NodeDescription {
  const node = cluster.nodes.find((n) => n.id === settings.nodeId);
  if (node) return node;
  const known = cluster.nodes.map((n) => n.id).join(', ');
  throw new ConfigError(source, [
    { key: SETTING_ENV.nodeId, problem: `"${settings.nodeId}" is not a node of the cluster (nodes: ${known})` },
  ]);
}

/** Settings plus the cluster description, cross-checked: this node exists and runs this role. */
export function resolveNodeConfig(settings: ProcessSettings, cluster: ClusterDescription, source: string): NodeConfig {
  const node = nodeOf(settings, cluster, source);
  const self = endpoint(node, settings.role);
  if (!self) {
    throw new ConfigError(source, [
      {
        key: `nodes[${cluster.nodes.indexOf(node)}].ports.${settings.role}`,
        problem: `node ${node.id} has no ports for role "${settings.role}"`,
      },
    ]);
  }
  const peers = cluster.nodes.filter((n) => n !== node).flatMap((n) => endpoint(n, settings.role) ?? []);
  return {
    settings: {
      ...settings,
      dataDir: resolve(settings.dataDir ?? `.dss/data/${settings.nodeId}-${settings.role}`),
      bindHost: settings.bindHost ?? node.host,
    },
    cluster,
    self,
    peers,
  };
}

/** The client API's tokens and HTTPS pair, when configured. */
export function loadClientSecurity(
  settings: ProcessSettings,
  read: ReadText,
): Pick<NodeConfig, 'apiTokens' | 'httpTls'> {
  const out: { apiTokens?: ApiTokens; httpTls?: { cert: string; key: string } } = {};
  if (settings.apiTokensFile) out.apiTokens = loadApiTokens(settings.apiTokensFile, read);
  if (Boolean(settings.httpTlsCert) !== Boolean(settings.httpTlsKey)) {
    throw new ConfigError('the environment', [
      {
        key: settings.httpTlsCert ? SETTING_ENV.httpTlsKey : SETTING_ENV.httpTlsCert,
        problem: `is required with ${settings.httpTlsCert ? SETTING_ENV.httpTlsCert : SETTING_ENV.httpTlsKey}`,
      },
    ]);
  }
  if (settings.httpTlsCert && settings.httpTlsKey) {
    const text = (path: string, key: string) => {
      try {
        return read(path);
      } catch (err) {
        throw new ConfigError(path, [{ key, problem: `cannot read ${path}: ${(err as Error).message}` }]);
      }
    };
    out.httpTls = {
      cert: text(settings.httpTlsCert, SETTING_ENV.httpTlsCert),
      key: text(settings.httpTlsKey, SETTING_ENV.httpTlsKey),
    };
  }
  return out;
}

/** The whole start-up path: env → settings → cluster file → TLS files → NodeConfig, or a ConfigError. */
export function loadNodeConfig(env: Env, read: ReadText = readUtf8): NodeConfig {
  const settings = loadProcessSettings(env, read);
  const cluster = parseClusterDescription(
    readJson(settings.clusterFile, SETTING_ENV.clusterFile, read),
    settings.clusterFile,
  );
  const config = {
    ...resolveNodeConfig(settings, cluster, settings.clusterFile),
    ...loadClientSecurity(settings, read),
  };
  checkApiScheme(cluster, config.httpTls, settings.clusterFile);
  if (peerAuthOf(cluster) === 'none') return config;
  if (!settings.tlsDir) {
    throw new ConfigError(settings.clusterFile, [
      {
        key: SETTING_ENV.tlsDir,
        problem: `is required: the cluster's security.peerAuth is mtls (the default), so peers need the cluster CA and this node's certificate (ca.crt, ${settings.nodeId}.crt, ${settings.nodeId}.key)`,
      },
    ]);
  }
  return { ...config, peerTls: loadPeerTls(resolve(settings.tlsDir), settings.nodeId, read) };
}

/** Clients take the scheme from the description: a process that disagrees would be unreachable to them. */
export function checkApiScheme(cluster: ClusterDescription, httpTls: unknown, source: string): void {
  if ((apiScheme(cluster) === 'https') === Boolean(httpTls)) return;
  const problem = httpTls
    ? 'is set, but the cluster description does not say security.httpTls: true'
    : 'is required: the cluster description says security.httpTls: true';
  throw new ConfigError(source, [{ key: SETTING_ENV.httpTlsCert, problem }]);
}
