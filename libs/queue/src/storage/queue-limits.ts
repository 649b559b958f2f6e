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
