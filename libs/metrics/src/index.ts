export * from './metric-names.js';
export * from './metrics.module.js';
export * from './latency-histogram.js';
export * from './tally.js';
