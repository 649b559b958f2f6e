import type {
  AckAndConsumeRequest,
  AckAndConsumeResult,
  AckResult,
  AcquireRequest,
  AcquireSetRequest,
  CacheEntry,
  CacheWriteOptions,
  CallOptions,
  Coherence,
  ConsumeRequest,
  DaemonStatus,
  Delivery,
  EndpointStatus,
  Endpoints,
  Grant,
  LockList,
  LockListRequest,
  LockState,
  MesiState,
  PublishRequest,
  ReleaseSetResult,
  RenewSetResult,
  Role,
  SetGrant,
  SetMemberRequest,
  SetRequest,
  TopicList,
  TopicStats,
} from '@dss/client/client-types.js';

// The part of @dss/client's DssClient (contract: docs/client.md) that
// dssctl uses. Commands take this interface, so they run against a fake in the
// unit tests; client-factory.ts checks that the real DssClient fits it.

export type {
  AckResult,
  CacheEntry,
  CacheWriteOptions,
  CallOptions,
  Coherence,
  DaemonStatus,
  Delivery,
  EndpointStatus,
  Endpoints,
  Grant,
  LockState,
  MesiState,
  Role,
  SetMemberRequest,
  TopicList,
  TopicStats,
};

export const ROLES: readonly Role[] = ['lock', 'queue', 'cache'];

export interface CliLockClient {
  acquire(req: AcquireRequest, call?: CallOptions): Promise<Grant>;
  release(req: { resource: string; owner: string }, call?: CallOptions): Promise<{ released: true }>;
  renew(
    req: { resource: string; owner: string; ttlMs?: number },
    call?: CallOptions,
  ): Promise<{ renewed: true; expiresInMs: number }>;
  show(resource: string, call?: CallOptions): Promise<LockState>;
  list(req: LockListRequest, call?: CallOptions): Promise<LockList>;
  acquireSet(req: AcquireSetRequest, call?: CallOptions): Promise<SetGrant>;
  releaseSet(req: SetRequest, call?: CallOptions): Promise<ReleaseSetResult>;
  renewSet(req: SetRequest & { ttlMs?: number }, call?: CallOptions): Promise<RenewSetResult>;
}

export interface CliQueueClient {
  publish(req: PublishRequest, call?: CallOptions): Promise<{ ids: string[] }>;
  consume(req: ConsumeRequest, call?: CallOptions): Promise<Delivery[]>;
  ackAndConsume(req: AckAndConsumeRequest, call?: CallOptions): Promise<AckAndConsumeResult>;
  ack(
    req: { topic: string; receipt: string } | { topic: string; receipts: readonly string[] },
    call?: CallOptions,
  ): Promise<AckResult>;
  nack(req: { topic: string; receipt: string; delayMs?: number }, call?: CallOptions): Promise<unknown>;
  stats(topic: string, call?: CallOptions): Promise<TopicStats>;
  dead(topic: string, call?: CallOptions): Promise<unknown>;
  redrive(topic: string, call?: CallOptions): Promise<unknown>;
  topics(req?: { prefix?: string; limit?: number }, call?: CallOptions): Promise<TopicList>;
  browse(topic: string, req?: { state?: BrowseState; limit?: number }, call?: CallOptions): Promise<unknown>;
  redriveIds(topic: string, ids: readonly string[], call?: CallOptions): Promise<unknown>;
  purgeDead(topic: string, call?: CallOptions): Promise<unknown>;
}

export type BrowseState = 'ready' | 'delayed' | 'inflight';

export interface CliCacheClient {
  get(key: string, call?: CallOptions): Promise<CacheEntry | undefined>;
  put(key: string, value: unknown, call?: CacheWriteOptions): Promise<{ key: string; state: MesiState }>;
  del(key: string, call?: CacheWriteOptions): Promise<boolean>;
  coherence(key: string, call?: CallOptions): Promise<Coherence>;
  flush(url?: string, call?: CallOptions): Promise<{ url: string; flushed: number }[]>;
}

export interface CliClient {
  readonly endpoints: Endpoints;
  readonly lock: CliLockClient;
  readonly queue: CliQueueClient;
  readonly cache: CliCacheClient;
  status(call?: CallOptions): Promise<readonly EndpointStatus[]>;
}

/** What dssctl hands the client factory once the endpoints are resolved. */
export interface ClientConfig {
  readonly endpoints: Endpoints;
  readonly timeoutMs?: number;
  readonly token?: string;
}

export type ClientFactory = (config: ClientConfig) => CliClient;
