// Exponential backoff with a cap and optional full jitter, and an abortable sleep. No I/O, no Nest.
export * from './backoff.js';
