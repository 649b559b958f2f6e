export * from './console.module.js';
export * from './console-limits.js';
export { CONSOLE_CONFIG } from './daemon-client.service.js';
