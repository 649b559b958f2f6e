export * from './core/index.js';
export * from './driver/index.js';
export * from './nest/index.js';
export * from './storage/index.js';
