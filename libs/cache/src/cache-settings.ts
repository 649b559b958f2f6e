import type { Provider } from '@nestjs/common';
import { CACHE_DEFAULTS, DSS_CONFIG, type CacheSettings, type NodeConfig } from '@dss/config';

export const CACHE_SETTINGS = Symbol('CACHE_SETTINGS');
export type ResolvedCacheSettings = CacheSettings;

/** The cluster description's `cache` block, defaults filled in. */
export const cacheSettingsProvider: Provider = {
  provide: CACHE_SETTINGS,
  inject: [DSS_CONFIG],
  useFactory: (config: NodeConfig): ResolvedCacheSettings => ({ ...CACHE_DEFAULTS, ...config.cluster.cache }),
};
