import { z } from 'zod';
import { NODE_ID_PATTERN, ROLE_NAME_PATTERN } from './cluster-description.js';

// Per-process settings: who this process is and how it behaves. They come from
// DSS_* environment variables, or from a JSON file named by DSS_CONFIG_FILE
// (same names in camelCase); the environment wins over the file.

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export const PEER_TIMEOUT_MS = { default: 1000, min: 10, max: 60_000 } as const;
export const SHUTDOWN_TIMEOUT_MS = { default: 10_000, min: 100, max: 120_000 } as const;

/** Environment variable behind each setting. */
export const SETTING_ENV = {
  nodeId: 'DSS_NODE_ID',
  role: 'DSS_ROLE',
  clusterFile: 'DSS_CLUSTER_FILE',
  dataDir: 'DSS_DATA_DIR',
  bindHost: 'DSS_BIND_HOST',
  peerTimeoutMs: 'DSS_PEER_TIMEOUT_MS',
  shutdownTimeoutMs: 'DSS_SHUTDOWN_TIMEOUT_MS',
  logLevel: 'DSS_LOG_LEVEL',
  logFormat: 'DSS_LOG_FORMAT',
  tlsDir: 'DSS_TLS_DIR',
  apiTokensFile: 'DSS_API_TOKENS_FILE',
  httpTlsCert: 'DSS_HTTP_TLS_CERT',
  httpTlsKey: 'DSS_HTTP_TLS_KEY',
} as const;
export type SettingKey = keyof typeof SETTING_ENV;
export const CONFIG_FILE_ENV = 'DSS_CONFIG_FILE';

/** Environment values are strings: whole decimal numbers become numbers, anything else is rejected. */
const integer = (range: { min: number; max: number; default: number }) =>
  z
    .preprocess(
      (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
      z
        .number({ error: 'must be a whole number of milliseconds' })
        .int('must be a whole number')
        .min(range.min, `must be at least ${range.min}`)
        .max(range.max, `must be at most ${range.max}`),
    )
    .default(range.default);

export const processSettingsSchema = z.strictObject({
  nodeId: z.string({ error: 'is required' }).regex(NODE_ID_PATTERN, 'must match ' + NODE_ID_PATTERN.source),
  role: z.string({ error: 'is required' }).regex(ROLE_NAME_PATTERN, 'must match ' + ROLE_NAME_PATTERN.source),
  clusterFile: z.string({ error: 'is required (path to the cluster description JSON)' }).min(1, 'must not be empty'),
  dataDir: z.string().min(1, 'must not be empty').optional(),
  bindHost: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or IP address')
    .optional(),
  peerTimeoutMs: integer(PEER_TIMEOUT_MS),
  shutdownTimeoutMs: integer(SHUTDOWN_TIMEOUT_MS),
  logLevel: z.enum(LOG_LEVELS).default('log'),
  logFormat: z.enum(['text', 'json']).default('text'),
  /** Directory with ca.crt, <nodeId>.crt and <nodeId>.key (required when the cluster's peerAuth is mtls). */
  tlsDir: z.string().min(1, 'must not be empty').optional(),
  /** JSON file with the client API's bearer tokens; unset = open API. */
  apiTokensFile: z.string().min(1).optional(),
  /** PEM certificate and key for HTTPS on the client port; unset = plain HTTP. */
  httpTlsCert: z.string().min(1).optional(),
  httpTlsKey: z.string().min(1).optional(),
});

export type ProcessSettings = z.infer<typeof processSettingsSchema>;
