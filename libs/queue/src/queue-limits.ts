import {
  DEFAULT_PRIORITY,
  DEFAULT_VISIBILITY_MS,
  GROUP_MAX_LENGTH,
  MAX_BATCH,
  MAX_BODY_BYTES,
  MAX_PRIORITY,
  PRIORITY_FAIR_EVERY,
} from './storage/queue-limits.js';

// Limits on what a queue client controls; documented in docs/queue.md. Batch
// and body limits come from the storage layer so the two never disagree.
export const QUEUE_LIMITS = {
  maxBatch: MAX_BATCH,
  maxBodyBytes: MAX_BODY_BYTES,
  maxDelayMs: 7 * 24 * 3600 * 1000,
  minVisibilityMs: 100,
  maxVisibilityMs: 12 * 3600 * 1000,
  defaultVisibilityMs: DEFAULT_VISIBILITY_MS,
  /** Long poll: a consume waits at most this long for messages. */
  maxWaitMs: 20_000,
  receiptMaxLength: 256,
  dedupIdMaxLength: 128,
  groupMaxLength: GROUP_MAX_LENGTH,
  maxPriority: MAX_PRIORITY,
  defaultPriority: DEFAULT_PRIORITY,
  priorityFairEvery: PRIORITY_FAIR_EVERY,
  /** Dead letters listed by GET /queue/{topic}/dead. */
  deadListMax: 100,
  /** GET /queue: topics answered when the request names no limit, and the most it may name. */
  topicListDefault: 100,
  topicListMax: 1000,
  /** GET /queue/{topic}/messages: messages answered by default, and at most (each carries its body). */
  browseDefault: 50,
  browseMax: 100,
  /** POST /queue/{topic}/dead/redrive: most ids one request may name (one script moves them all). */
  redriveIdsMax: 100,
  /** A message id as a request names it; ids the store makes are 32 characters. */
  messageIdMaxLength: 64,
} as const;

/** The owner runs each owned topic's redelivery check this often (docs/guarantees.md: redelivery is checked at least once a second). */
export const REDELIVERY_INTERVAL_MS = 500;
/** How often the topic list is re-read from Redis (new topics get a monitor within this). */
export const TOPIC_REFRESH_MS = 2000;
/** How often ownership re-checks which queue nodes answer. */
export const OWNERSHIP_PROBE_MS = 1000;
/**
 * A long-polling consume looks for messages again at least this often, even
 * unwoken: wake-ups travel by Redis pub/sub, which drops what is published
 * while a subscriber reconnects.
 */
export const QUEUE_WAKEUP_FALLBACK_MS = 1000;
/** A node stays subscribed to a topic's wake-ups this long after its last waiter on it. */
export const QUEUE_WAKEUP_LINGER_MS = 30_000;
