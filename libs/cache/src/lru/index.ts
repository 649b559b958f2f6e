// LRU bookkeeping for the cache: which lines to keep and which to evict.
export * from './lru-store.js';
