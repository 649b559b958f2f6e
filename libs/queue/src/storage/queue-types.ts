// Public shapes of the queue storage API.

/** What the store keeps per message; written once at publish, parsed on delivery. */
export interface MessageEnvelope {
  readonly id: string;
  readonly body: unknown;
  readonly publishedAt: number;
  readonly dedupId?: string;
}

export interface PublishOptions {
  /** Deliver no earlier than now + delayMs (0 or absent = at once). */
  readonly delayMs?: number;
  /** Same dedupId within the dedup window -> original ids, nothing published. */
  readonly dedupId?: string;
  /** Replicas that must have the write before it counts (Redis WAIT, sent in the same round trip); 0 or absent = none. */
  readonly replicas?: number;
  /** How long WAIT waits for them. */
  readonly replicaTimeoutMs?: number;
}

export interface PublishResult {
  readonly ids: string[];
  /** True when a live dedupId matched: ids are the original ones. */
  readonly duplicate: boolean;
  /** With `replicas`: whether they acknowledged it (for a duplicate: every earlier write of the connection). */
  readonly durability?: DurabilityResult;
}

export interface ConsumedMessage {
  readonly id: string;
  readonly receipt: string;
  readonly body: unknown;
  /** Deliveries including this one (1 on first delivery). */
  readonly deliveries: number;
  readonly publishedAt: number;
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

export interface QueueStats {
  readonly ready: number;
  readonly inflight: number;
  readonly delayed: number;
  readonly dead: number;
}

export interface DeadMessage {
  readonly id: string;
  readonly body: unknown;
  readonly publishedAt: number;
  readonly deliveries: number;
  readonly dedupId?: string;
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
}
