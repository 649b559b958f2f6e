import { join } from 'node:path';
import { z } from 'zod';
import { endpointsFromCluster } from '@dss/client';
// Not '@dss/config', which loads Nest (a second of start-up on a busy machine).
import {
  ConfigError,
  localClusterDescription,
  parseClusterDescription,
  type ClusterDescription,
} from '@dss/config/pure';
import { ROLES, type ClientConfig, type Endpoints, type Role } from './client-port.js';
import { UsageError } from './errors.js';
import { parseBaseUrl, parseCount, parseUrlList } from './parse.js';

// Where dssctl finds the cluster. Each role's endpoints come from the first
// of these that names any:
//   1. --lock/--queue/--cache <urls>, then --cluster <cluster.json>
//   2. DSSCTL_LOCK/DSSCTL_QUEUE/DSSCTL_CACHE, then DSSCTL_CLUSTER
//   3. the config file: --config, else DSSCTL_CONFIG, else
//      ~/.config/dssctl/config.json when it exists
//   4. the local cluster of `npm start` (ports shifted by DSS_PORT_OFFSET)
// --timeout / DSSCTL_TIMEOUT / timeoutMs and --token / DSSCTL_TOKEN / token
// follow the same order (flag, env, file); unset means the client's default.

export type Env = Readonly<Record<string, string | undefined>>;

export interface FileAccess {
  readonly read: (path: string) => string;
  readonly exists: (path: string) => boolean;
}

/** The connection flags every command has (commander's parsed values). */
export interface ConnectionFlags {
  readonly lock?: string;
  readonly queue?: string;
  readonly cache?: string;
  readonly cluster?: string;
  readonly config?: string;
  readonly timeout?: number;
  readonly token?: string;
}

export interface ResolvedConnection extends ClientConfig {
  /** Where each role's endpoints came from, for `dssctl endpoints` and error messages. */
  readonly sources: Readonly<Record<Role, string>>;
  /** The config file that was read, if any. */
  readonly configFile?: string;
}

export const ENV = {
  lock: 'DSSCTL_LOCK',
  queue: 'DSSCTL_QUEUE',
  cache: 'DSSCTL_CACHE',
  cluster: 'DSSCTL_CLUSTER',
  config: 'DSSCTL_CONFIG',
  timeout: 'DSSCTL_TIMEOUT',
  token: 'DSSCTL_TOKEN',
} as const;

const FLAG = { lock: '--lock', queue: '--queue', cache: '--cache' } as const;

export const configFileSchema = z.strictObject({
  lock: z.array(z.string()).min(1).optional(),
  queue: z.array(z.string()).min(1).optional(),
  cache: z.array(z.string()).min(1).optional(),
  timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  token: z.string().min(1).optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

export function defaultConfigPath(env: Env, homedir: string): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir, '.config');
  return join(base, 'dssctl', 'config.json');
}

function readText(files: FileAccess, path: string, what: string): string {
  try {
    return files.read(path);
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** A cluster description file (the cluster.json Ansible and `npm start` write), validated by @dss/config's schema. */
export function readClusterFile(files: FileAccess, path: string, what: string): ClusterDescription {
  const text = readText(files, path, what);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what}: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseClusterDescription(json, path);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

export function readConfigFile(files: FileAccess, path: string, what: string): ConfigFile {
  const text = readText(files, path, what);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new UsageError(
      `config file ${path}: ${problems.join('; ')} (expected {"lock": [urls], "queue": [urls], "cache": [urls], "timeoutMs": n, "token": "..."})`,
    );
  }
  return parsed.data;
}

function localOffset(env: Env): number {
  const raw = env.DSS_PORT_OFFSET;
  return raw === undefined || raw === '' ? 0 : parseCount(raw, 'DSS_PORT_OFFSET', 0, 50_000);
}

const set = (v: string | undefined): v is string => v !== undefined && v !== '';

export function resolveConnection(
  flags: ConnectionFlags,
  env: Env,
  files: FileAccess,
  homedir: string,
): ResolvedConnection {
  // Each level: what it says per role, read only when needed (a bad file at a level
  // that is used fails; one that every role skips past is never read).
  type Level = () => { readonly endpoints: Partial<Endpoints>; readonly source: string } | undefined;

  const fromFlags: Level = () => {
    const endpoints: Partial<Record<Role, string[]>> = {};
    for (const role of ROLES) if (set(flags[role])) endpoints[role] = parseUrlList(flags[role]!, FLAG[role]);
    return { endpoints, source: 'flag' };
  };
  const fromFlagCluster: Level = () =>
    set(flags.cluster)
      ? {
          endpoints: endpointsFromCluster(readClusterFile(files, flags.cluster!, '--cluster')),
          source: `--cluster ${flags.cluster}`,
        }
      : undefined;
  const fromEnv: Level = () => {
    const endpoints: Partial<Record<Role, string[]>> = {};
    for (const role of ROLES) if (set(env[ENV[role]])) endpoints[role] = parseUrlList(env[ENV[role]]!, ENV[role]);
    return { endpoints, source: 'env' };
  };
  const fromEnvCluster: Level = () =>
    set(env[ENV.cluster])
      ? {
          endpoints: endpointsFromCluster(readClusterFile(files, env[ENV.cluster]!, ENV.cluster)),
          source: `${ENV.cluster} ${env[ENV.cluster]}`,
        }
      : undefined;

  let configFile: string | undefined;
  let config: ConfigFile | undefined;
  if (set(flags.config)) configFile = flags.config;
  else if (set(env[ENV.config])) configFile = env[ENV.config];
  else if (files.exists(defaultConfigPath(env, homedir))) configFile = defaultConfigPath(env, homedir);
  if (configFile !== undefined) {
    const what = set(flags.config) ? '--config' : set(env[ENV.config]) ? ENV.config : 'config file';
    config = readConfigFile(files, configFile, what);
  }
  const fromConfig: Level = () => {
    if (!config) return undefined;
    const endpoints: Partial<Record<Role, string[]>> = {};
    for (const role of ROLES)
      if (config[role])
        endpoints[role] = config[role].map((u, i) => parseBaseUrl(u, `config file ${configFile}: ${role}[${i}]`));
    return { endpoints, source: `config ${configFile}` };
  };
  const fromLocal: Level = () => {
    const offset = localOffset(env);
    return {
      endpoints: endpointsFromCluster(localClusterDescription({ offset })),
      source: offset === 0 ? 'local cluster' : `local cluster (DSS_PORT_OFFSET=${offset})`,
    };
  };

  const levels = [fromFlags, fromFlagCluster, fromEnv, fromEnvCluster, fromConfig, fromLocal];
  const evaluated = new Map<Level, ReturnType<Level>>();
  const at = (level: Level) => {
    if (!evaluated.has(level)) evaluated.set(level, level());
    return evaluated.get(level);
  };
  const endpoints = {} as Record<Role, readonly string[]>;
  const sources = {} as Record<Role, string>;
  for (const role of ROLES) {
    for (const level of levels) {
      const got = at(level);
      const urls = got?.endpoints[role];
      if (got && urls && urls.length > 0) {
        endpoints[role] = urls;
        sources[role] = got.source === 'flag' ? FLAG[role] : got.source === 'env' ? ENV[role] : got.source;
        break;
      }
    }
  }

  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) timeoutMs = flags.timeout;
  else if (set(env[ENV.timeout])) timeoutMs = parseCount(env[ENV.timeout]!, ENV.timeout, 1, 3_600_000);
  else timeoutMs = config?.timeoutMs;
  const token = set(flags.token) ? flags.token : set(env[ENV.token]) ? env[ENV.token] : config?.token;

  return {
    endpoints,
    sources,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
  };
}
