export * from './metric-names.js';
export * from './metrics.module.js';
