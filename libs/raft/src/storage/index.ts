// Public surface of the Raft storage.
export type {
  FsyncKind,
  RaftStorage,
  RecoveredState,
  StorageLogger,
  StorageLogLevel,
  StorageStats,
} from './raft-storage.js';
export { StorageCorruptionError, StorageFailedError, StorageUsageError } from './errors.js';
export { DEFAULT_SEGMENT_BYTES, FileRaftStorage, type FileRaftStorageOptions } from './file-raft-storage.js';
export { MemoryRaftStorage, MemoryStorageDisk } from './memory-raft-storage.js';
export { MAX_RECORD_BYTES } from './wal-replay.js';
