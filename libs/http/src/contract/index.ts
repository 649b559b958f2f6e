// The HTTP contract layer (pure: zod only). Loads without Nest: import '@dss/http/contract/index.js' where that matters.
export * from './api-route.js';
export * from './openapi.js';
export * from './answer-check.js';
export * from './node-api.js';
export * from './query-values.js';
