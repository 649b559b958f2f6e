import { CACHE_LIMITS } from '../cache-limits.js';

// Limits of the cache's Redis-protocol front door (docs/cache.md, "Redis protocol").

export const RESP_LIMITS = {
  /** Connections per node; one more is answered `-ERR max number of clients reached` and closed (Redis's maxclients). */
  maxConnections: 10_000,
  /** Arguments in one command (MSET of 8,191 pairs); more is a protocol error, as in Redis. */
  maxArgs: 16_384,
  /**
   * One argument's bytes: twice a value's limit, so a value a little too large gets a clean
   * error reply rather than a protocol error that closes the connection.
   */
  maxBulkBytes: 2 * CACHE_LIMITS.maxValueBytes,
  /** An inline command's line (as Redis's PROTO_INLINE_MAX_SIZE). */
  maxInlineBytes: 64 * 1024,
  /**
   * Bytes of commands received but not yet answered, per connection: past it the node stops
   * reading from that connection until it has answered (back-pressure, not an error).
   */
  maxUnansweredBytes: 8 * 1024 * 1024,
  /** One unfinished command's bytes: past it the command can never be accepted, so the connection is closed with an error. */
  maxCommandBytes: 64 * 1024 * 1024,
} as const;
