// @dss/client: the typed client of a DSS cluster (docs/client.md).
export * from './client-types.js';
export * from './defaults.js';
export * from './errors.js';
export { DssClient, endpointsFromCluster } from './dss-client.js';
export type { LockClient, Lease, WithLockOptions, ReleaseRequest, RenewRequest } from './lock-client.js';
export type { QueueClient, AckRequest, NackRequest, ExtendRequest } from './queue-client.js';
export type { Consumer, ConsumerOptions } from './consumer.js';
export { defaultConsumerBackoff } from './consumer.js';
export type { CacheClient } from './cache-client.js';
export { fullJitterDelay } from './backoff.js';
