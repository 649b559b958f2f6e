export * from './raft-lifecycle.service.js';
export * from './raft-metrics.js';
export * from './raft-options.js';
export * from './raft.module.js';
