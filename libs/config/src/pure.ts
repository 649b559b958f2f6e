// @dss/config/pure: the cluster description, per-process settings and their
// parsing, without Nest or ioredis. For whatever must start fast or must not
// load Nest: dssctl, the client library, the local-cluster and benchmark
// scripts. The daemon imports @dss/config, which adds the Nest module and the
// Redis clients.
export * from './api-tokens.js';
export * from './cluster-description.js';
export * from './console-config.js';
export * from './config-error.js';
export * from './load-config.js';
export * from './local-cluster.js';
export * from './peer-tls.js';
export * from './process-settings.js';
