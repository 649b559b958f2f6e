export * from './redis-ha.module.js';
export * from './redis-node-client.js';
export * from './redis-primary.provider.js';
export * from './redis-topology-watcher.service.js';
export * from './topology-protocol.js';
export * from './redis-admin.js';
