export * from './peer-clients.service.js';
export * from './peer-errors.js';
export * from './peer-ping.controller.js';
export * from './peer-rpc-contract.js';
export * from './peer-server-options.js';
export * from './peer-status.service.js';
export * from './transport-options.js';
export * from './transport.module.js';
