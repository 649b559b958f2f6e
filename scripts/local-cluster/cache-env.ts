import { cacheSettingsSchema, type CacheSettings } from '@dss/config/pure';

/** Environment variables that set the local cluster's `cache` block (docs/configuration.md). */
export const CACHE_ENV = {
  maxEntries: 'DSS_CACHE_MAX_ENTRIES',
  maxBytes: 'DSS_CACHE_MAX_BYTES',
  flushIntervalMs: 'DSS_CACHE_FLUSH_INTERVAL_MS',
} as const;

/** The cache settings given in the environment, or undefined when none is; throws naming the bad variable. */
export function cacheSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CacheSettings | undefined {
  const given = Object.entries(CACHE_ENV).filter(([, name]) => env[name] !== undefined);
  if (given.length === 0) return undefined;
  const raw: Record<string, number> = {};
  for (const [key, name] of given) {
    const text = env[name]!;
    if (!/^\d+$/.test(text)) throw new Error(`${name}=${text}: must be a whole number`);
    raw[key] = Number(text);
  }
  const parsed = cacheSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${CACHE_ENV[issue.path[0] as keyof typeof CACHE_ENV]}: ${issue.message}`);
  }
  return parsed.data;
}
