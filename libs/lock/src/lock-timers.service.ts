import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { RAFT_NODE, type RaftNode } from '@dss/raft';
import { LockStateMachine } from './lock-state-machine.js';
import type { LockEvent } from './state/lock-commands.js';

const key = (resource: string, owner: string) => `${resource}\u0000${owner}`;
/** Retry delay when the leader could not propose an expiry (e.g. mid-election). */
const RETRY_MS = 200;

interface Timer {
  readonly deadline: number;
  readonly handle: NodeJS.Timeout;
}

/**
 * The leader's clocks: one per lease and one per waiter. When one runs out the
 * leader proposes `expire` / `cancelWait`, so the decision enters the log and
 * every node applies it at the same point. A node that becomes leader starts
 * every clock afresh at its full TTL (or wait): a lease is never cut short by a
 * leader change, only lengthened.
 */
@Injectable()
export class LockTimers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LockTimers');
  private readonly leases = new Map<string, Timer & { leaseIndex: number }>();
  private readonly waits = new Map<number, Timer>();
  private unsubscribe: (() => void)[] = [];
  private leader = false;

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    private readonly machine: LockStateMachine,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = [
      this.machine.subscribe({
        onEvents: (events) => this.leader && events.forEach((e) => this.track(e)),
        onRestore: () => this.leader && this.rearmAll(),
      }),
      this.node.subscribeSoftState((soft) => {
        const leader = soft.role === 'leader';
        if (leader === this.leader) return;
        this.leader = leader;
        if (leader) this.rearmAll();
        else this.clearAll();
      }),
    ];
  }

  onApplicationShutdown(): void {
    this.unsubscribe.forEach((u) => u());
    this.clearAll();
  }

  /** Milliseconds left on a lease by the leader's clock; undefined when not timed here. */
  expiresInMs(resource: string, owner: string): number | undefined {
    const t = this.leases.get(key(resource, owner));
    return t && Math.max(0, Math.round(t.deadline - performance.now()));
  }

  private rearmAll(): void {
    this.clearAll();
    const { holders, waiters } = this.machine.table.holdersAndWaiters();
    for (const h of holders) this.armLease(h.resource, h.owner, h.leaseIndex, h.ttlMs);
    for (const w of waiters) this.armWait(w.resource, w.owner, w.waitId, w.waitMs);
    if (holders.length + waiters.length > 0)
      this.logger.log(
        `leader: restarted ${holders.length} lease and ${waiters.length} wait clocks at their full length`,
      );
  }

  private clearAll(): void {
    for (const t of this.leases.values()) clearTimeout(t.handle);
    for (const t of this.waits.values()) clearTimeout(t.handle);
    this.leases.clear();
    this.waits.clear();
  }

  private track(e: LockEvent): void {
    switch (e.type) {
      case 'granted':
        if (e.waitId !== null) this.clearWait(e.waitId);
        this.armLease(e.resource, e.owner, e.leaseIndex, e.ttlMs);
        break;
      case 'leaseRenewed':
        this.armLease(e.resource, e.owner, e.leaseIndex, e.ttlMs);
        break;
      case 'leaseEnded':
        this.clearLease(e.resource, e.owner);
        break;
      case 'waitStarted':
        this.armWait(e.resource, e.owner, e.waitId, e.waitMs);
        break;
      case 'waitEnded':
        this.clearWait(e.waitId);
        break;
    }
  }

  private armLease(resource: string, owner: string, leaseIndex: number, ttlMs: number): void {
    this.clearLease(resource, owner);
    const handle = setTimeout(
      () =>
        this.fire(
          () => ({ op: 'expire', resource, owner, leaseIndex }),
          () => this.armLease(resource, owner, leaseIndex, RETRY_MS),
        ),
      ttlMs,
    );
    this.leases.set(key(resource, owner), { deadline: performance.now() + ttlMs, handle, leaseIndex });
  }

  private armWait(resource: string, owner: string, waitId: number, waitMs: number): void {
    this.clearWait(waitId);
    const handle = setTimeout(
      () =>
        this.fire(
          () => ({ op: 'cancelWait', resource, owner, waitId }),
          () => this.armWait(resource, owner, waitId, RETRY_MS),
        ),
      waitMs,
    );
    this.waits.set(waitId, { deadline: performance.now() + waitMs, handle });
  }

  private clearLease(resource: string, owner: string): void {
    const k = key(resource, owner);
    clearTimeout(this.leases.get(k)?.handle);
    this.leases.delete(k);
  }

  private clearWait(waitId: number): void {
    clearTimeout(this.waits.get(waitId)?.handle);
    this.waits.delete(waitId);
  }

  /** Proposes the command while leader; on failure tries again shortly if still leader. */
  private fire(command: () => object, retry: () => void): void {
    if (!this.leader) return;
    // propose() throws synchronously when this node just lost leadership.
    Promise.resolve()
      .then(() => this.node.propose(JSON.stringify(command())))
      .catch(() => {
        if (this.leader) retry();
      });
  }
}
