import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { RAFT_NODE, type RaftNode } from '@dss/raft';
import { LOCK_METRICS } from './lock-metrics.js';
import { LockStateMachine } from './lock-state-machine.js';

/** The lock role's readiness and /cluster section, and the gauges that follow the applied table. */
@Injectable()
export class LockStatus implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    private readonly machine: LockStateMachine,
    @InjectMetric(LOCK_METRICS.held) private readonly held: Gauge<'mode'>,
    @InjectMetric(LOCK_METRICS.waiters) private readonly waiters: Gauge,
    @InjectMetric(LOCK_METRICS.expirations) private readonly expirations: Counter,
    @InjectMetric(LOCK_METRICS.fencingToken) private readonly token: Gauge,
  ) {}

  onModuleInit(): void {
    const refresh = () => {
      const s = this.machine.table.stats();
      this.held.set({ mode: 'exclusive' }, s.exclusive);
      this.held.set({ mode: 'shared' }, s.shared);
      this.held.set({ mode: 'permit' }, s.permits);
      this.waiters.set(s.waiters);
      this.token.set(s.highestToken);
    };
    this.unsubscribe = this.machine.subscribe({
      onEvents: (events) => {
        for (const e of events) if (e.type === 'leaseEnded' && e.reason === 'expired') this.expirations.inc();
        refresh();
      },
      onRestore: refresh,
    });
    refresh();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Ready once this node knows a leader: it can then serve (or forward) every request. */
  ready(): boolean {
    return this.node.leader !== null;
  }

  describe(): Record<string, unknown> {
    const s = this.node.status();
    return {
      raft: {
        state: s.role,
        term: s.term,
        leader: s.leader,
        commitIndex: s.commit,
        lastApplied: s.applied,
        snapshotIndex: s.snapshotIndex,
      },
      // Every node applies every refusal, so any node shows them (lock-state-machine.ts).
      deadlocks: this.machine.deadlocks.recent(),
    };
  }
}
