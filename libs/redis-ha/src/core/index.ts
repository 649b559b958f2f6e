export * from './failover-planner.js';
export * from './replication-info.js';
export * from './topology.js';
export * from './server-settings.js';
