// Redis replicated across machines with its primary chosen by the lock
// nodes' Raft group (docs/redis-failover.md). core/ is pure (topology
// register, INFO parsing, failover decisions); nest/ does the I/O.
export * from './core/index.js';
export * from './nest/index.js';
