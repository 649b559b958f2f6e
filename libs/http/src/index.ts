export * from './api-error.js';
export * from './api-exception.filter.js';
export * from './limits.js';
export * from './parse-body.js';
export * from './api-answer.js';
export * from './framework-errors.js';
export * from './api-auth.module.js';
export * from './api-token.guard.js';
