export * from './driver-errors.js';
export * from './raft-node.js';
export * from './raft-transport.js';
export * from './state-machine.js';
