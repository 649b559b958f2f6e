// Typed errors carry the API error code so the HTTP layer maps them without
// string matching. A stale receipt is not an error: it is part of a result.

export type QueueErrorCode = 'INVALID_ARGUMENT' | 'PAYLOAD_TOO_LARGE' | 'FENCED' | 'UNAVAILABLE' | 'INTERNAL';

export abstract class QueueError extends Error {
  abstract readonly code: QueueErrorCode;
}

/** The caller broke an input rule (empty batch, too many items, bad number). */
export class QueueInputError extends QueueError {
  readonly code = 'INVALID_ARGUMENT' as const;
  override readonly name = 'QueueInputError';
}

/** A body or a whole batch is over the byte limit. */
export class QueuePayloadTooLargeError extends QueueError {
  readonly code = 'PAYLOAD_TOO_LARGE' as const;
  override readonly name = 'QueuePayloadTooLargeError';
}

/**
 * A publish carried a fencing token lower than one that already published to
 * the topic: its lock was lost to a newer holder. Nothing was stored.
 */
export class QueueFencedError extends QueueError {
  readonly code = 'FENCED' as const;
  override readonly name = 'QueueFencedError';
  constructor(
    /** The token offered. */
    readonly token: number,
    /** The highest token that published to the topic. */
    readonly fence: number,
  ) {
    super(`fencing token ${token} is older than ${fence}, the highest that published to this topic`);
  }
}

/** Redis cannot serve now (down, loading, read-only replica, out of memory, timeout). */
export class QueueStorageUnavailableError extends QueueError {
  readonly code = 'UNAVAILABLE' as const;
  override readonly name = 'QueueStorageUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Redis answered something this layer does not expect (a bug, not an outage). */
export class QueueStorageError extends QueueError {
  readonly code = 'INTERNAL' as const;
  override readonly name = 'QueueStorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
