export * from './list-machine.js';
export * from './tcp-raft-cluster.js';
