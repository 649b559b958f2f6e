// Public surface of the lock state machine.
export * from './lock-commands.js';
export { MAX_NAME_LENGTH, MAX_REMEMBERED_REQUESTS, MAX_REQUEST_ID_LENGTH } from './lock-limits.js';
export { modeCovers, modesConflict } from './lock-modes.js';
export { InvalidLockCommandError, parseLockCommand, validateLockCommand } from './parse-lock-command.js';
export { InvalidLockSnapshotError } from './lock-snapshot.js';
export {
  LockTable,
  type HeldLease,
  type ListedResource,
  type ResourceListing,
  type LockTableStats,
  type PendingWait,
  type ResourceView,
} from './lock-table.js';
