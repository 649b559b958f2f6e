// Defaults and hard limits of the queue storage layer. The HTTP layer may
// choose stricter values; the store enforces these so a bad caller cannot
// push a script past what one Redis call should carry.

/** Visibility window of a delivery when the consumer names none (SQS default). */
export const DEFAULT_VISIBILITY_MS = 30_000;
/** Deliveries before a message goes to the dead-letter list. */
export const DEFAULT_MAX_DELIVERIES = 5;
/** How long a dedupId suppresses republishing (SQS FIFO uses 5 minutes). */
export const DEFAULT_DEDUP_WINDOW_MS = 5 * 60_000;
/** Most messages one publish, consume or ack may carry (the API's batch limit). */
export const MAX_BATCH = 1000;
/** Largest serialized body of one message. */
export const MAX_BODY_BYTES = 256 * 1024;
/** Largest serialized batch: one script call must not stall Redis for long. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/**
 * Most entries one maintenance script moves (promote, requeue, redrive).
 * Bounds how long a single script blocks Redis; the store loops for more.
 */
export const MAX_MOVES_PER_SCRIPT = 1000;
/**
 * A store adds a topic it publishes to to the topic list (which the owners'
 * redelivery monitors walk) at most this often, not with every publish. A
 * topic missing from the list meanwhile (Redis lost the entry) still works:
 * consume itself promotes due messages and takes back expired deliveries.
 */
export const TOPIC_REGISTER_EVERY_MS = 60_000;
/** Topics a store remembers having registered; past this it forgets them all and registers again. */
export const TOPIC_REGISTER_MEMORY = 10_000;
/** How long a publish waits for the replicas it needs (Redis WAIT) before it answers that they did not confirm. */
export const DEFAULT_REPLICA_TIMEOUT_MS = 1000;
/** Priorities run from 0 to MAX_PRIORITY; higher is delivered first. */
export const MAX_PRIORITY = 9;
/**
 * Priority of a message published without one. In the middle, so a publisher
 * can mark work as more urgent or as background; messages of this priority
 * without a group are stored exactly as before priorities existed.
 */
export const DEFAULT_PRIORITY = 4;
/**
 * Starvation guard: while messages of more than one priority are ready, every
 * PRIORITY_FAIR_EVERY-th delivery serves the oldest ready level head instead
 * of the highest level, so a steady stream of urgent messages delays the
 * others by at most this factor but never forever.
 */
export const PRIORITY_FAIR_EVERY = 10;
/** Longest message group name (characters of [A-Za-z0-9._:-]). */
export const GROUP_MAX_LENGTH = 128;
/**
 * Listing topics drops from the topic list a topic with nothing in any state
 * whose last publish is at least this old. Twice a store's registration memory
 * (TOPIC_REGISTER_EVERY_MS), clock skew included: a store that publishes to a
 * pruned topic afterwards has forgotten registering it and registers it again.
 */
export const TOPIC_PRUNE_IDLE_MS = 2 * TOPIC_REGISTER_EVERY_MS;
