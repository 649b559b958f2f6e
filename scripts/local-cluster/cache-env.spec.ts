import { cacheSettingsFromEnv } from './cache-env.js';

describe('cacheSettingsFromEnv', () => {
  it('is undefined when no cache variable is set', () => {
    expect(cacheSettingsFromEnv({})).toBeUndefined();
  });

  it('fills the rest with defaults', () => {
    expect(cacheSettingsFromEnv({ DSS_CACHE_MAX_ENTRIES: '5' })).toEqual({
      maxEntries: 5,
      maxBytes: 256 * 1024 * 1024,
      flushIntervalMs: 1000,
    });
  });

  it('names the bad variable', () => {
    expect(() => cacheSettingsFromEnv({ DSS_CACHE_FLUSH_INTERVAL_MS: 'soon' })).toThrow(
      'DSS_CACHE_FLUSH_INTERVAL_MS=soon: must be a whole number',
    );
    expect(() => cacheSettingsFromEnv({ DSS_CACHE_FLUSH_INTERVAL_MS: '1' })).toThrow(/^DSS_CACHE_FLUSH_INTERVAL_MS: /);
  });
});
