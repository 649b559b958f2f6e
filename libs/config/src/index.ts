// @dss/config: everything, Nest module and Redis clients included. Code that
// must not load Nest imports @dss/config/pure (pure.ts) instead.
export * from './pure.js';
export * from './config.module.js';
export * from './redis-client.js';
export * from './stall-aware-redis.js';
export * from './turn-batch.js';
export * from './turn-waits.js';
