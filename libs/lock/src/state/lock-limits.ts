// Bounds that every node must share: they shape the replicated state, so they are
// constants, not configuration (two nodes configured differently would diverge).

/** How many requestIds the table remembers for idempotent retries; the oldest is forgotten first. */
export const MAX_REMEMBERED_REQUESTS = 10_000;

/** Longest resource or owner name accepted in a log entry (UTF-16 code units). */
export const MAX_NAME_LENGTH = 1024;

/** Longest requestId accepted in a log entry. */
export const MAX_REQUEST_ID_LENGTH = 256;

/**
 * Waiters one resource queues. Past it a blocking acquire is answered as if
 * it had not waited (LOCKED), so no client can grow the replicated state (and
 * every snapshot) without bound by queueing owners on one resource.
 */
export const MAX_WAITERS_PER_RESOURCE = 1000;

/** Most permits a semaphore may have. A lock is a semaphore of 1 permit that also allows shared holds. */
export const MAX_PERMITS = 10_000;

/** Most resources one set acquire, release or renew may name. */
export const MAX_SET_SIZE = 64;
