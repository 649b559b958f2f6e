// Limits and timings of the cache role; documented in docs/cache.md.
import type { BackoffPolicy } from '@dss/backoff';

export const CACHE_LIMITS = {
  /** Keys are 1..512 bytes (UTF-8), URL-encoded in the path (docs/cache.md). */
  maxKeyBytes: 512,
  /**
   * A value's bytes: a string's UTF-8, raw bytes, or a JSON value's text (docs/cache.md,
   * "Values"); the HTTP body limit (1 MiB) bounds the request around it.
   */
  maxValueBytes: 512 * 1024,
  /** The longest time to live (about 10 years): expiry instants stay exact in a JavaScript number. */
  maxTtlMs: 10 * 365 * 24 * 3600 * 1000,
  /**
   * The largest fencing token a write may carry: tokens are positive integers that stay
   * exact in a JavaScript number (and in JSON), as the lock service issues them.
   */
  maxFenceToken: Number.MAX_SAFE_INTEGER,
} as const;

/**
 * A delete leaves a tombstone of the key's fence for this long (docs/cache.md, "Fenced
 * writes"): a writer with an older token that comes back within it is refused; one that
 * comes back later recreates the key. A day outlives any lease and any plausible pause,
 * while keys deleted for good do not cost Redis memory forever.
 */
export const CACHE_FENCE_TOMBSTONE_MS = 24 * 3600_000;

/** Every cache node pings its peers this often. */
export const CACHE_HEARTBEAT_MS = 150;
/**
 * The view lease (view-lease.ts): a node acts only while a majority confirmed
 * its view of the live nodes with pings sent less than this long ago, and
 * serves a copy only while the key's home is among them. A node that confirmed
 * one view confirms no other for this long. Shorter than CACHE_DEAD_AFTER_MS,
 * so a cut-off holder has stopped serving before the home counts its copies as
 * gone and lets someone else write.
 */
export const CACHE_LEASE_MS = 600;
/** A peer not heard from for this long is dead: its copies count as Invalid and homes move. */
export const CACHE_DEAD_AFTER_MS = 1500;
/**
 * A node reports that it reaches the cache's memory (Redis) while a PING answered within
 * CACHE_HEARTBEAT_MS * 2 less than this long ago (probed every heartbeat). Between two
 * views of one size the one with more such nodes wins (view-choice.ts).
 */
export const CACHE_MEMORY_REPORT_MS = 1000;
/**
 * A node takes a write (PUT or DELETE) only while a PING to memory (Redis) sent
 * less than this long ago was answered. Its dirty data can reach memory only
 * from there: a node cut off from Redis but still inside its view lease (a
 * bridge keeps that lease for about CACHE_DEAD_AFTER_MS) would otherwise take
 * writes that the next view, reading memory, never sees (found by the chaos
 * suite). Three heartbeats, so one late probe does not refuse writes.
 */
export const CACHE_WRITE_MEMORY_MS = CACHE_HEARTBEAT_MS * 3;
/** An operation whose grant came in a new view-lease term (handed back unused) is asked again at most this many times. */
export const CACHE_MEMBERSHIP_RETRIES = 3;
/** An operation that arrives while the nodes confirm a new view waits this long for it before answering 503. */
export const CACHE_SETTLE_WAIT_MS = 2000;
/** A request to the key's home gives up after this (504; the outcome is unknown). */
export const CACHE_REQUEST_TIMEOUT_MS = 5000;
/** A forward to a holder waits this long before the home starts waiting for the holder to be declared dead. */
export const CACHE_FORWARD_TIMEOUT_MS = 1000;
/** A home that granted waits this long for the requester's unblock before moving to the key's next transaction. */
export const CACHE_UNBLOCK_TIMEOUT_MS = 2000;
/** Tombstones of deleted keys fence late write-backs for this long. */
export const CACHE_TOMBSTONE_TTL_MS = 3600_000;
/** Write-backs and evictions run at most this many at once. */
export const CACHE_IO_CONCURRENCY = 64;
/**
 * Write-backs of one event-loop turn go to Redis as one script call of at most this many
 * keys (TurnBatch, libs/config/src/turn-batch.ts): a flush writes its lines in a few calls instead of one each,
 * and one call keeps Redis busy well under a millisecond.
 */
export const CACHE_WRITE_BACK_BATCH = 128;
/** ...or of at most about this many bytes of values (one larger value goes alone). */
export const CACHE_WRITE_BACK_BATCH_BYTES = 1024 * 1024;
/** Replies to forwards remembered per node, so a retried forward gets the same answer. */
export const CACHE_REMEMBERED_REPLIES = 4096;
/** An eviction tells the key's home within this, or not at all (the directory then over-counts, which is safe). */
export const CACHE_EVICT_NOTICE_TIMEOUT_MS = 1000;
/**
 * After a delete of unknown outcome, a dirty copy is written back (fenced) before
 * it is dropped; while Redis fails over, the write-back is retried this long.
 * Longer than a Sentinel failover, so the copy's data is not lost to one.
 */
export const CACHE_DELETE_WRITE_BACK_RETRY_MS = 30_000;
/**
 * A holder writes dirty data back before it answers a home's invalidate or
 * downgrade; local writes racing it may need another round. After this many
 * the home stores what is left, as it always did.
 */
export const CACHE_HANDOVER_WRITE_BACK_ROUNDS = 3;
/** With Sentinel, a memory operation waits this long for a replica's acknowledgement (Redis WAIT) before it fails. */
export const CACHE_MEMORY_WAIT_MS = 1000;

// Retry delays (@dss/backoff). No jitter: each loop is one node's own, not many
// clients retrying together.
/** Between write-backs of a dirty copy after a delete of unknown outcome: Redis is failing over, so back off to 1 s. */
export const CACHE_DELETE_WRITE_BACK_RETRY: BackoffPolicy = { baseMs: 100, maxMs: 1000, jitter: 'none' };
/** Between attempts to write back and drop a copy this node may no longer hold (a view change, a lapsed lease). */
export const CACHE_DISCARD_RETRY: BackoffPolicy = { baseMs: 50, maxMs: 250, jitter: 'none' };
/** Between requests to a key's home that were refused unheard (not the home, views differ, unreachable): they agree once heartbeats settle. */
export const CACHE_HOME_RETRY: BackoffPolicy = { baseMs: 50, maxMs: 50, jitter: 'none' };
/** Between attempts to store an old owner's dirty data, which exists only in its reply. */
export const CACHE_DIRECTORY_MEMORY_RETRY: BackoffPolicy = { baseMs: 200, maxMs: 200, jitter: 'none' };
