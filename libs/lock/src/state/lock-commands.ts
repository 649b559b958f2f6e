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
  /** A semaphore of this many permits (exclusive mode, one permit per owner); absent = 1, a lock. */
  readonly permits?: number;
  readonly requestId?: string;
}

/** One member of a set acquire. */
export interface SetMember {
  readonly resource: string;
  readonly mode: LockMode;
  /** As AcquireCommand.permits. */
  readonly permits?: number;
}

/** Several resources granted together in one entry, or none of them (docs/locks.md, "Lock sets"). */
export interface AcquireSetCommand {
  readonly op: 'acquireSet';
  readonly owner: string;
  /** Distinct resources, in the client's order. */
  readonly locks: readonly SetMember[];
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly requestId?: string;
}

/** Releases every listed resource the owner holds; the others are reported, not an error. */
export interface ReleaseSetCommand {
  readonly op: 'releaseSet';
  readonly owner: string;
  readonly resources: readonly string[];
  readonly requestId?: string;
}

/** Renews every listed lease in one entry, or none when one of them is not held. */
export interface RenewSetCommand {
  readonly op: 'renewSet';
  readonly owner: string;
  readonly resources: readonly string[];
  readonly ttlMs?: number;
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

export type LockCommand =
  | AcquireCommand
  | ReleaseCommand
  | RenewCommand
  | ExpireCommand
  | CancelWaitCommand
  | AcquireSetCommand
  | ReleaseSetCommand
  | RenewSetCommand;

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
  /** For a set's wait: every member resource (this one included), in the request's order. */
  readonly set?: readonly string[];
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
  | { readonly status: 'deadlock'; readonly resource: string; readonly cycle: readonly CycleStep[] }
  /** The resource is alive with another permit count (a lock asked as a semaphore, or the reverse). */
  | { readonly status: 'permitsMismatch'; readonly resource: string; readonly permits: number };

/** A set member as granted: every member of one grant shares its token and leaseIndex. */
export interface SetGrant {
  readonly resource: string;
  readonly mode: LockMode;
  readonly ttlMs: number;
}

export type AcquireSetResult =
  | {
      readonly status: 'granted';
      readonly owner: string;
      readonly locks: readonly SetGrant[];
      readonly fencingToken: number;
      readonly leaseIndex: number;
    }
  /** The owner already holds or waits for a member: a set is taken whole, never topped up. */
  | { readonly status: 'alreadyInvolved'; readonly resource: string }
  | { readonly status: 'locked'; readonly resource: string; readonly holders: readonly HolderView[] }
  /** Queued in every member's queue under one waitId; granted whole, or ended by one cancelWait. */
  | { readonly status: 'queued'; readonly resource: string; readonly waitId: number }
  | { readonly status: 'deadlock'; readonly resource: string; readonly cycle: readonly CycleStep[] }
  | { readonly status: 'permitsMismatch'; readonly resource: string; readonly permits: number };

export type ReleaseSetResult = {
  readonly status: 'released';
  readonly released: readonly string[];
  readonly notHeld: readonly string[];
};
export type RenewSetResult =
  | {
      readonly status: 'renewed';
      readonly leaseIndex: number;
      readonly locks: readonly { readonly resource: string; readonly fencingToken: number; readonly ttlMs: number }[];
    }
  | { readonly status: 'not_held'; readonly notHeld: readonly string[] };

export type ReleaseResult = { readonly status: 'released' } | { readonly status: 'not_held' };
export type RenewResult =
  | { readonly status: 'renewed'; readonly ttlMs: number; readonly leaseIndex: number; readonly fencingToken: number }
  | { readonly status: 'not_held' };
export type ExpireResult = { readonly status: 'expired' } | { readonly status: 'stale' };
export type CancelWaitResult = { readonly status: 'cancelled' } | { readonly status: 'stale' };
export type LockResult =
  | AcquireResult
  | ReleaseResult
  | RenewResult
  | ExpireResult
  | CancelWaitResult
  | AcquireSetResult
  | ReleaseSetResult
  | RenewSetResult;

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
      /** The wait it ends; a set's grant names it on its first member's event only (one outcome per wait). */
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
