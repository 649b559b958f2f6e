export * from './cache.module.js';
export * from './cache-limits.js';
export * from './cache-metrics.js';
export { CacheLines } from './cache-lines.service.js';
export { CacheStatus } from './cache-status.service.js';
export { CacheMemory, memoryKey } from './memory/cache-memory.js';
export { LruStore } from './lru/index.js';
export { CacheValues } from './values/cache-values.service.js';
export * from './values/stored-value.js';
