// The lock service's replicated commands, their results and the events applying
// them emits. Commands are JSON in Raft log entries; every node applies the same
// commands in the same order and must reach the same table (no clocks here:
// time-based decisions - lease expiry, wait timeouts - are made by the leader
// and enter the log as `expire` and `cancelWait` commands).

export type LockMode = 'exclusive' | 'shared';

export interface AcquireCommand {
  readonly op: 'acquire';
  readonly resource: string;
  readonly owner: string;
  readonly mode: LockMode;
  readonly ttlMs: number;
  /** 0 = try once; > 0 = queue as a waiter (FIFO) unless that would deadlock. */
  readonly waitMs: number;
  readonly requestId?: string;
}

export interface ReleaseCommand {
  readonly op: 'release';
  readonly resource: string;
  readonly owner: string;
  readonly requestId?: string;
}

export interface RenewCommand {
  readonly op: 'renew';
  readonly resource: string;
  readonly owner: string;
  /** New TTL; the holder's current TTL when absent. */
  readonly ttlMs?: number;
  readonly requestId?: string;
}

/** Proposed by the leader when a lease's timer ran out; stale if the lease was renewed or re-granted since. */
export interface ExpireCommand {
  readonly op: 'expire';
  readonly resource: string;
  readonly owner: string;
  /** The holder's `leaseIndex` the leader timed. */
  readonly leaseIndex: number;
}

/** Proposed by the leader when a waiter's waitMs ran out; stale if it was granted meanwhile. */
export interface CancelWaitCommand {
  readonly op: 'cancelWait';
  readonly resource: string;
  readonly owner: string;
  readonly waitId: number;
}

export type LockCommand = AcquireCommand | ReleaseCommand | RenewCommand | ExpireCommand | CancelWaitCommand;

export interface HolderView {
  readonly owner: string;
  readonly mode: LockMode;
  readonly fencingToken: number;
  readonly ttlMs: number;
  /** Log index of the grant or the last renew: identifies this lease for `expire`. */
  readonly leaseIndex: number;
}

export interface WaiterView {
  readonly owner: string;
  readonly mode: LockMode;
  readonly waitId: number;
  readonly waitMs: number;
  readonly ttlMs: number;
}

/** One edge of a deadlock cycle: `owner` waits for `resource`, held (or queued ahead) by the next owner. */
export interface CycleStep {
  readonly owner: string;
  readonly resource: string;
}

export type AcquireResult =
  /** Granted now (or already held: same token, lease refreshed). */
  | {
      readonly status: 'granted';
      readonly resource: string;
      readonly owner: string;
      readonly mode: LockMode;
      readonly fencingToken: number;
      readonly ttlMs: number;
      readonly leaseIndex: number;
    }
  /** Not granted and waitMs was 0. */
  | { readonly status: 'locked'; readonly resource: string; readonly holders: readonly HolderView[] }
  /** Queued; the outcome comes later as a `granted` or `waitEnded` event with this waitId. */
  | { readonly status: 'queued'; readonly resource: string; readonly waitId: number }
  /** Waiting would close a cycle in the wait-for graph; not queued. */
  | { readonly status: 'deadlock'; readonly resource: string; readonly cycle: readonly CycleStep[] };

export type ReleaseResult = { readonly status: 'released' } | { readonly status: 'not_held' };
export type RenewResult =
  | { readonly status: 'renewed'; readonly ttlMs: number; readonly leaseIndex: number; readonly fencingToken: number }
  | { readonly status: 'not_held' };
export type ExpireResult = { readonly status: 'expired' } | { readonly status: 'stale' };
export type CancelWaitResult = { readonly status: 'cancelled' } | { readonly status: 'stale' };
export type LockResult = AcquireResult | ReleaseResult | RenewResult | ExpireResult | CancelWaitResult;

/** What changed, for the node's services: wake parked requests, (re)arm the leader's timers, metrics. */
export type LockEvent =
  | {
      readonly type: 'granted';
      readonly resource: string;
      readonly owner: string;
      readonly mode: LockMode;
      readonly fencingToken: number;
      readonly ttlMs: number;
      readonly leaseIndex: number;
      readonly waitId: number | null;
    }
  | {
      readonly type: 'leaseRenewed';
      readonly resource: string;
      readonly owner: string;
      readonly ttlMs: number;
      readonly leaseIndex: number;
    }
  | {
      readonly type: 'leaseEnded';
      readonly resource: string;
      readonly owner: string;
      readonly reason: 'released' | 'expired';
    }
  | {
      readonly type: 'waitStarted';
      readonly resource: string;
      readonly owner: string;
      readonly waitId: number;
      readonly waitMs: number;
    }
  | {
      readonly type: 'waitEnded';
      readonly resource: string;
      readonly owner: string;
      readonly waitId: number;
      readonly reason: 'timeout';
      readonly holders: readonly HolderView[];
    };

export interface ApplyOutcome {
  readonly result: LockResult;
  readonly events: readonly LockEvent[];
}
