// Public shapes of the queue storage API.

/** What the store keeps per message; written once at publish, parsed on delivery. */
export interface MessageEnvelope {
  readonly id: string;
  readonly body: unknown;
  readonly publishedAt: number;
  readonly dedupId?: string;
  /** Message group; absent = none. */
  readonly group?: string;
  /** Priority; absent = DEFAULT_PRIORITY. */
  readonly priority?: number;
}

export interface PublishOptions {
  /** Deliver no earlier than now + delayMs (0 or absent = at once). */
  readonly delayMs?: number;
  /** Same dedupId within the dedup window -> original ids, nothing published. */
  readonly dedupId?: string;
  /**
   * Message group: within it, publish order and at most one message out at a
   * time. Not with delayMs (a group's line has no due times).
   */
  readonly group?: string;
  /** 0 (lowest) to MAX_PRIORITY; absent = DEFAULT_PRIORITY. Higher is delivered first. */
  readonly priority?: number;
  /**
   * Fencing token (positive safe integer): refused with QueueFencedError when
   * lower than the highest token that published to the topic.
   */
  readonly fenceToken?: number;
  /** Replicas that must have the write before it counts (Redis WAIT, sent in the same round trip); 0 or absent = none. */
  readonly replicas?: number;
  /** How long WAIT waits for them. */
  readonly replicaTimeoutMs?: number;
  /**
   * Take up to `max` messages for a waiting consumer in the same script, right
   * after the publish (the handoff; `PublishResult.taken`). Nothing is taken
   * from a duplicate or fenced publish.
   */
  readonly take?: TakeOptions;
}

export interface TakeOptions {
  readonly max: number;
  readonly visibilityMs: number;
}

export interface PublishResult {
  readonly ids: string[];
  /** True when a live dedupId matched: ids are the original ones. */
  readonly duplicate: boolean;
  /** With `replicas`: whether they acknowledged it (for a duplicate: every earlier write of the connection). */
  readonly durability?: DurabilityResult;
  /** With `take`: the messages taken, in flight under receipts as a consume's are (oldest ready first, not only these). */
  readonly taken?: ConsumedMessage[];
}

export interface ConsumedMessage {
  readonly id: string;
  readonly receipt: string;
  readonly body: unknown;
  /** Deliveries including this one (1 on first delivery). */
  readonly deliveries: number;
  readonly publishedAt: number;
  readonly group?: string;
  /** Present when not DEFAULT_PRIORITY. */
  readonly priority?: number;
}

export interface AckResult {
  readonly acked: number;
  /** Receipts not in flight: visibility ran out, requeued, acked or nacked already. */
  readonly stale: string[];
}

export interface AckAndConsumeResult extends AckResult {
  readonly messages: ConsumedMessage[];
}

export type NackOutcome = 'ready' | 'delayed' | 'dead';
export type NackResult = { readonly stale: true } | { readonly stale: false; readonly outcome: NackOutcome };
export type ExtendResult = { readonly stale: true } | { readonly stale: false; readonly deadline: number };

/** Message counts by state (the depth gauges report each). */
export interface QueueDepth {
  readonly ready: number;
  readonly inflight: number;
  readonly delayed: number;
  readonly dead: number;
  /** Grouped messages waiting behind their group's head. */
  readonly waiting: number;
}

export interface QueueStats extends QueueDepth {
  /** Groups with a message out (ready, delayed or in flight). */
  readonly groups: number;
  /** Highest fencing token that published to the topic; absent when none did. */
  readonly fence?: number;
}

export interface DeadMessage {
  readonly id: string;
  readonly body: unknown;
  readonly publishedAt: number;
  readonly deliveries: number;
  readonly dedupId?: string;
  readonly group?: string;
  readonly priority?: number;
}

/** A message's state as browsing names it (grouped messages waiting behind their head are in none). */
export type BrowseState = 'ready' | 'delayed' | 'inflight';

/** A message seen without consuming it. */
export interface BrowsedMessage extends DeadMessage {
  /** Delayed: when it becomes ready (ms since the epoch). */
  readonly deliverAt?: number;
  /** In flight: when its visibility ends and it is delivered again unless acked. */
  readonly visibleAt?: number;
}

export interface RedriveIdsResult {
  readonly redriven: number;
  /** Requested ids that are not dead letters of the topic. */
  readonly notFound: string[];
}

/** One listed topic with its counts. */
export interface TopicListing {
  readonly topic: string;
  readonly stats: QueueStats;
}

export interface TopicList {
  readonly topics: TopicListing[];
  /** More registered topics match than were listed. */
  readonly truncated: boolean;
}

export interface DurabilityResult {
  readonly requested: number;
  readonly acknowledged: number;
  /** acknowledged >= requested */
  readonly durable: boolean;
  /** The connection changed between the write and WAIT: nothing is known about the write. */
  readonly reconnected?: boolean;
}

export interface AppendOnlyStatus {
  readonly enabled: boolean;
  /** appendfsync policy (always | everysec | no) when Redis reports it. */
  readonly appendfsync?: string;
}

export interface QueueStoreOptions {
  readonly maxDeliveries?: number;
  readonly dedupWindowMs?: number;
  /** Default `now` for calls that omit it. */
  readonly clock?: () => number;
  /**
   * Told when messages became ready as a side effect a caller cannot see from
   * its result: a grouped publish's head, a group moving on after its head was
   * acked or dead-lettered. The queue service wakes that many consumers.
   */
  readonly onReady?: (topic: string, count: number) => void;
}
