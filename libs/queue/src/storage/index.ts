export * from './queue-errors.js';
export * from './queue-keys.js';
export * from './queue-limits.js';
export * from './queue-store.js';
export * from './queue-types.js';
export { mapRedisError } from './map-redis-error.js';
export { MessageIdGenerator } from './message-ids.js';
