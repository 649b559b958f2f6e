export * from './cluster-description.js';
export * from './config-error.js';
export * from './config.module.js';
export * from './load-config.js';
export * from './local-cluster.js';
export * from './process-settings.js';
export * from './redis-client.js';
