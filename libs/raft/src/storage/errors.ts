// Error classes of the Raft storage. Callers branch on the class: corruption means
// "refuse to start", usage means "bug in the caller", failed means "restart the node".

/** On-disk state is damaged in a way that could hide committed data. */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';

  constructor(
    /** Absolute path of the damaged file. */
    readonly file: string,
    /** Byte offset of the first bad byte (0 when the whole file is unusable). */
    readonly offset: number,
    /** What is wrong, in words. */
    readonly problem: string,
  ) {
    super(
      `Raft storage corrupt: ${file} at offset ${offset}: ${problem}. ` +
        'The node refuses to start rather than lose committed entries; ' +
        'restore the data directory or remove this node and re-add it empty.',
    );
  }
}

/** The caller broke the storage contract (non-contiguous entries, term going back...). Nothing was written. */
export class StorageUsageError extends Error {
  override readonly name = 'StorageUsageError';
}

/**
 * A write or fsync failed. The in-memory view may be ahead of the disk and a failed
 * fsync may have dropped dirty pages (the "fsyncgate" lesson), so every later call
 * fails too: the only safe recovery is to restart and replay from disk.
 */
export class StorageFailedError extends Error {
  override readonly name = 'StorageFailedError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Internal: a payload that does not decode. Recovery rewraps it with the file and offset. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}
