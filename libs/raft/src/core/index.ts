// Public surface of the pure Raft core.
export * from './types.js';
export * from './messages.js';
export * from './ready.js';
export * from './errors.js';
export type { RaftOptions } from './config.js';
export { RaftCore } from './raft-core.js';
export type { ProposalReceipt, RaftStatus, ProgressStatus } from './raft-core.js';
export type { ProgressState } from './progress.js';
export { isMessage } from './message-guard.js';
