// The MESI protocol with a home-node directory, as pure state machines.
export * from './protocol-types.js';
export * from './cache-line.js';
export * from './directory.js';
