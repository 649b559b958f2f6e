// The public shapes of the DSS client: what each endpoint of the public API (docs/)
// section 4 answers, and the options a caller can set. Shapes mirror the HTTP
// API one to one so that `dssctl --json` can print them unchanged.

export type Role = 'lock' | 'queue' | 'cache';
export type LockMode = 'exclusive' | 'shared';
export type MesiState = 'M' | 'E' | 'S' | 'I';

/** Base URLs (`http://host:port`, no trailing slash) of the daemons of each role. */
export interface Endpoints {
  readonly lock: readonly string[];
  readonly queue: readonly string[];
  readonly cache: readonly string[];
}

export interface RetryPolicy {
  /** Attempts in all, the first included (>= 1). */
  readonly attempts: number;
  /** First backoff; doubled after each attempt, with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface ClientOptions {
  readonly endpoints: Endpoints;
  /** Per-attempt timeout of one HTTP request (a waiting acquire or consume adds its waitMs). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Bearer token sent as `authorization: Bearer ...` when set (issue 11). */
  readonly token?: string;
  /** Injected for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Injected for tests: seeds jitter and ids. Defaults to Math.random / crypto.randomUUID. */
  readonly random?: () => number;
  readonly newId?: () => string;
  /** Injected for tests: a monotonic clock in ms for lease deadlines. Defaults to performance.now. */
  readonly now?: () => number;
}

/** Per-call options every method accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

// ---- lock ----
export interface AcquireRequest {
  readonly resource: string;
  readonly owner: string;
  readonly mode?: LockMode;
  readonly ttlMs?: number;
  readonly waitMs?: number;
  /** A semaphore of this many holders (exclusive mode only); absent: a lock. */
  readonly permits?: number;
  /** Generated when absent; every retry of this call reuses it. */
  readonly requestId?: string;
}
/** One member of a lock set. */
export interface SetMemberRequest {
  readonly resource: string;
  readonly mode?: LockMode;
  readonly permits?: number;
}
export interface AcquireSetRequest {
  readonly owner: string;
  /** 1..64 distinct resources, granted together or not at all. */
  readonly locks: readonly SetMemberRequest[];
  readonly ttlMs?: number;
  readonly waitMs?: number;
  readonly requestId?: string;
}
export interface SetGrant {
  readonly acquired: true;
  readonly owner: string;
  /** The token of every member: they were granted by one entry. */
  readonly fencingToken: number;
  readonly locks: readonly {
    readonly resource: string;
    readonly mode: LockMode;
    readonly fencingToken: number;
    readonly expiresInMs: number;
  }[];
}
export interface SetRequest {
  readonly owner: string;
  readonly resources: readonly string[];
  readonly requestId?: string;
}
export interface ReleaseSetResult {
  readonly released: readonly string[];
  readonly notHeld: readonly string[];
}
export interface RenewSetResult {
  readonly renewed: true;
  readonly locks: readonly { readonly resource: string; readonly fencingToken: number; readonly expiresInMs: number }[];
}
export interface Grant {
  readonly acquired: true;
  readonly resource: string;
  readonly owner: string;
  readonly mode: LockMode;
  readonly fencingToken: number;
  readonly expiresInMs: number;
}
export interface LockHolder {
  readonly owner: string;
  readonly mode: LockMode;
  readonly fencingToken: number;
  readonly expiresInMs: number;
}
export interface LockState {
  readonly resource: string;
  /** 1 for a lock, N for a semaphore (added by servers that have semaphores). */
  readonly permits?: number;
  readonly holders: readonly LockHolder[];
  readonly waiters: readonly { readonly owner: string; readonly mode: LockMode }[];
}

/** GET /lock: the live resources whose names start with `prefix`, by name. */
export interface LockListRequest {
  /** Empty or absent: every resource. */
  readonly prefix?: string;
  /** 1..1000; the server's default (100) when absent. */
  readonly limit?: number;
}
export interface LockList {
  readonly resources: readonly LockState[];
  /** More resources matched than `limit`. */
  readonly truncated: boolean;
}

// ---- queue ----
export interface PublishRequest {
  readonly topic: string;
  /** One message or many (up to 1000); exactly one of the two. */
  readonly message?: unknown;
  readonly messages?: readonly unknown[];
  readonly delayMs?: number;
  /** Generated when absent; every retry reuses it, so a retried publish is stored once. */
  readonly dedupId?: string;
  /** Message group: delivered in publish order, one message of the group out at a time (not with delayMs). */
  readonly group?: string;
  /** 0-9, higher first; the server's default is 4. */
  readonly priority?: number;
  /** A fencing token of a lock (Grant.fencingToken): refused with FencedError once a newer token published to the topic. */
  readonly fence?: { readonly token: number };
}
export interface Delivery {
  readonly id: string;
  readonly receipt: string;
  readonly body: unknown;
  readonly deliveries: number;
  readonly publishedAt: number;
  /** The message group, when published with one. */
  readonly group?: string;
  /** The priority, when published with one other than the default. */
  readonly priority?: number;
}
export interface ConsumeRequest {
  readonly topic: string;
  readonly max?: number;
  readonly visibilityMs?: number;
  readonly waitMs?: number;
}
export interface AckResult {
  readonly acked: number;
  readonly stale: readonly string[];
}
export interface AckAndConsumeRequest extends ConsumeRequest {
  /** Receipts acked before new messages are taken, atomically (1-1000). */
  readonly ack: readonly string[];
}
export interface AckAndConsumeResult extends AckResult {
  readonly messages: Delivery[];
}
export interface TopicStats {
  readonly topic: string;
  readonly owner: string;
  readonly ready: number;
  readonly inflight: number;
  readonly delayed: number;
  readonly dead: number;
  /** Grouped messages waiting behind their group's head (absent from servers before message groups). */
  readonly waiting?: number;
  /** Message groups with a message out. */
  readonly groups?: number;
  /** The highest fencing token that published to the topic; absent when none did. */
  readonly fence?: number;
}

/** GET /queue: the topics by name; `truncated` when more matched than the limit. */
export interface TopicList {
  readonly topics: TopicStats[];
  readonly truncated: boolean;
}

// ---- cache ----
export interface CacheEntry {
  readonly key: string;
  readonly value: unknown;
  readonly state: MesiState;
  /** The highest fencing token that wrote the key, when a fenced write did (docs/cache.md, "Fenced writes"). */
  readonly fence?: { readonly token: number };
}
/**
 * A cache write's options besides the call's: `fence` is the fencing token of the lock the
 * writer holds (the lock API's fencingToken); the write is refused with FencedError when a
 * later holder's higher token wrote the key.
 */
export interface CacheWriteOptions extends CallOptions {
  readonly fence?: number;
}
export interface Coherence {
  readonly key: string;
  readonly home: string;
  readonly states: Readonly<Record<string, MesiState>>;
}

// ---- every daemon ----
/** GET /cluster of one daemon, as the server answers it (role-specific parts kept loose). */
export interface DaemonStatus {
  readonly cluster: string;
  readonly role: Role;
  readonly node: { readonly id: string; readonly host: string; readonly httpPort: number; readonly peerPort: number };
  readonly peers: unknown;
  readonly [roleSpecific: string]: unknown;
}

// ---- additions of the client library (beyond the first contract) ----

/** One edge of a wait-for cycle of a 409 DEADLOCK: `owner` waits for `resource`. */
export interface WaitForEdge {
  readonly owner: string;
  readonly resource: string;
}
export interface RenewResult {
  readonly renewed: true;
  readonly expiresInMs: number;
  /** The server adds the lease's token. */
  readonly fencingToken?: number;
}
export interface PublishResult {
  readonly ids: string[];
  /** True when the dedupId was seen within the dedup window: nothing new was stored. */
  readonly duplicate?: boolean;
}
export interface FlushResult {
  readonly url: string;
  readonly flushed: number;
}

/** One daemon as DssClient.status() saw it: GET /health and GET /cluster. */
export interface EndpointStatus {
  readonly role: Role;
  readonly url: string;
  /** It answered HTTP at all. */
  readonly reachable: boolean;
  /** GET /health answered 200. */
  readonly healthy: boolean;
  /** Round trip of GET /health. */
  readonly latencyMs?: number;
  readonly cluster?: DaemonStatus;
  readonly error?: string;
}
